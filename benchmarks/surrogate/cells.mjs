// One benchmark cell — kernel matrix, Cholesky, posterior + acquisition over m, and the whole
// fit-free suggest step — on the CPU reference and on the WebGPU backend. Runs unchanged in Node
// and, bundled by vite, in the browser page.
import {
  cholesky,
  choleskySolve,
  conditionGP,
  createCpuBackend,
  kernelMatrix,
  mulberry32,
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
  return { kernel, chol, score: kernel + chol + score, suggest: kernel + chol + score };
}

async function time(fn, reps) {
  await fn();
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/**
 * Times one cell. `backend` is 'cpu' or a WebGPU backend object; `skip(stage)` says whether to
 * skip a stage (returns a reason or undefined). Times are medians in milliseconds.
 */
export async function runCell(problem, backend, reps, skip) {
  const { spec, params, n, m, x, xc, ys } = problem;
  const acq = { kind: 'logEI', best: Math.min(...ys) };
  const out = {};
  const stage = async (name, fn) => {
    const reason = skip(name);
    if (reason) {
      out[name] = { skipped: reason };
      return;
    }
    out[name] = { ms: await time(fn, reps) };
  };
  if (backend === 'cpu') {
    const cpu = createCpuBackend();
    let kmat;
    let gp;
    await stage('kernel', () => {
      kmat = kernelMatrix(spec, params, x, n);
    });
    await stage('cholesky', () => {
      cholesky(kmat ?? kernelMatrix(spec, params, x, n), n);
    });
    await stage('score', () => {
      gp ??= conditionGP(spec, params, x, n, ys, 0, 1);
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
  // A FittedGP from the GPU's factor (the CPU's f64 Cholesky takes minutes at n = 8192).
  factor ??= await backend.cholesky(kmat, n);
  const gp = {
    spec,
    params,
    n,
    d: spec.d,
    x,
    yMean: 0,
    yStd: 1,
    alpha: choleskySolve(factor.l, n, ys),
    chol: factor.l,
    jitter: factor.jitter,
    logMarginalLikelihood: Number.NaN,
  };
  // The first call uploads L and α and forms L⁻¹ (once per fitted GP); later calls reuse them.
  await stage('score', () => backend.scoreTopK(gp, xc, m, acq, 1));
  await stage('suggest', () =>
    backend.conditionAndScoreTopK(spec, params, x, ys, n, xc, m, acq, 1),
  );
  return out;
}
