// One benchmark cell — kernel matrix, Cholesky, posterior + acquisition over m, and the whole
// fit-free suggest step — on the CPU reference and on the WebGPU backend. Runs unchanged in Node
// and, bundled by vite, in the browser page.
import {
  cholesky,
  choleskySolve,
  conditionGP,
  createCpuBackend,
  kernelMatrix,
  kernelMatrixPacked,
  mulberry32,
  packLower,
  scoreTopKSync,
} from '@webtune/gp';

/** A Matérn-5/2 problem: n points and m candidates in [0, 1]^d, a smooth standardised y. */
export function makeProblem(n, m, d, seed = 1) {
  const rand = mulberry32(seed + 1000 * n + 7 * d);
  const x = Float64Array.from({ length: n * d }, rand);
  const xc = Float64Array.from({ length: m * d }, rand);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.sin(3 * x[i * d + j] + j);
    y[i] = s;
  }
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / n) || 1;
  const ys = y.map((v) => (v - mean) / sd);
  const spec = { kind: 'matern52', d };
  const params = {
    lengthscales: new Float64Array(d).fill(0.5 * Math.sqrt(d)),
    outputScale: 1,
    noise: 1e-3,
  };
  return { spec, params, n, m, d, x, xc, ys };
}

/** Estimated multiply-adds of each CPU stage (for skipping cells that would take too long). */
export function cpuWork({ n, m, d }) {
  const kernel = (n * n * (d + 10)) / 2;
  const chol = (n * n * n) / 3;
  const score = m * ((n * n) / 2 + n * (d + 12));
  // The CPU score stage first conditions the GP (untimed), so it costs the Cholesky too.
  return { kernel, cholesky: chol, score: kernel + chol + score, suggest: kernel + chol + score };
}

/**
 * Median wall time of `fn` in milliseconds over `reps` runs after one warm-up run; with
 * `once`, a single run and no warm-up (for stages of seconds, where JIT warm-up is noise).
 */
async function time(fn, reps, once = false) {
  if (once) {
    const t0 = performance.now();
    await fn();
    return { ms: performance.now() - t0, runs: 1 };
  }
  await fn();
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], runs: reps };
}

/** Candidates kept by the Bayesian strategy for polishing: its scoreTopK's k. */
export const CROSSOVER_K = 8;

/**
 * One cell of the 'auto' break-even sweep: what a suggestion costs on each backend when the
 * strategy hands over a freshly fitted GP (after a refit; between refits only new rows of L
 * travel). CPU: scoreTopK on the f64 model. WebGPU: the same call on a model object that is not
 * a view of a factor already on the device, so it uploads L and α and scores — everything
 * 'auto' pays when it routes such a call to the GPU.
 */
export async function crossoverCell(problem, gpu, reps) {
  const { spec, params, n, m, x, xc, ys } = problem;
  const acq = { kind: 'logEI', best: Math.min(...ys) };
  const gp = conditionGP(spec, params, x, n, ys, 0, 1);
  const cpu = createCpuBackend();
  const c = await time(() => cpu.scoreTopK(gp, xc, m, acq, CROSSOVER_K), reps);
  const fresh = () => ({ ...gp, factor: undefined, factorGeneration: undefined });
  const g = await time(() => gpu.scoreTopK(fresh(), xc, m, acq, CROSSOVER_K), reps);
  return { cpuMs: c.ms, gpuMs: g.ms };
}

/**
 * Times one cell. `backend` is 'cpu' or a WebGPU backend object; `policy(stage)` says how to run
 * a stage: undefined (warm-up + `reps` timed runs), `{ skip: reason }` or `{ once: true }` (a
 * single run without warm-up, for stages estimated at seconds). Times are medians in milliseconds.
 */
export async function runCell(problem, backend, reps, policy) {
  const { spec, params, n, m, x, xc, ys } = problem;
  const acq = { kind: 'logEI', best: Math.min(...ys) };
  const out = {};
  const stage = async (name, fn) => {
    const p = policy(name);
    if (p?.skip) {
      out[name] = { skipped: p.skip };
      return;
    }
    out[name] = await time(fn, reps, p?.once === true);
  };
  if (backend === 'cpu') {
    const cpu = createCpuBackend();
    // Packed, as the CPU backend keeps K and L.
    let kmat;
    await stage('kernel', () => {
      kmat = kernelMatrixPacked(spec, params, x, n);
    });
    await stage('cholesky', () => {
      cholesky(kmat ?? kernelMatrixPacked(spec, params, x, n), n);
    });
    // Conditioned before the clock starts: score times the scoring alone.
    const gp = policy('score')?.skip ? undefined : conditionGP(spec, params, x, n, ys, 0, 1);
    await stage('score', () => {
      scoreTopKSync(gp, xc, m, acq, 1);
    });
    await stage('suggest', () => {
      const g = conditionGP(spec, params, x, n, ys, 0, 1);
      return cpu.scoreTopK(g, xc, m, acq, 1);
    });
    return out;
  }
  await stage('kernel', () => backend.kernelMatrix(spec, params, x, n));
  const kmat = kernelMatrix(spec, params, x, n);
  let factor;
  await stage('cholesky', async () => {
    factor = await backend.cholesky(kmat, n);
  });
  // A FittedGP from the GPU's df64 factor (the CPU's f64 Cholesky takes minutes at n = 8192),
  // packed as FittedGP.chol is.
  factor ??= await backend.cholesky(kmat, n);
  const chol = packLower(factor.l, n);
  const gp = {
    spec,
    params,
    n,
    d: spec.d,
    x,
    yMean: 0,
    yStd: 1,
    alpha: choleskySolve(chol, n, ys),
    chol,
    jitter: factor.jitter,
    logMarginalLikelihood: Number.NaN,
  };
  // The first call uploads L and α (once per fitted GP); later calls reuse them.
  await stage('score', () => backend.scoreTopK(gp, xc, m, acq, 1));
  await stage('suggest', () =>
    backend.conditionAndScoreTopK(spec, params, x, ys, n, xc, m, acq, 1),
  );
  return out;
}
