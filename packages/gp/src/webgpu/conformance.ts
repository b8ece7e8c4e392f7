import { acquisitionValues, acquisitionWithGradient } from '../acquisition.js';
import { scoreTopKSync } from '../cpuBackend.js';
import { conditionGP } from '../fit.js';
import { kernelMatrix } from '../kernel.js';
import { posterior } from '../posterior.js';
import { mulberry32 } from '../random.js';
import type {
  AcquisitionKind,
  AcquisitionSpec,
  FittedGP,
  InputGroup,
  KernelKind,
  KernelParams,
  KernelSpec,
  SurrogateBackend,
  TopK,
} from '../types.js';
import { cpuCholeskyFull, cpuLogMarginalLikelihood, type GpOperations } from './backend.js';

/*
 * The numeric conformance suite every GP backend passes, written once: vitest runs it for the
 * cpu and webgpu backends in Node, and test/browser runs it in headless Chromium. A case returns
 * its failures (empty when it passes) and the errors it measured, so both runners can report.
 *
 * The reference is the f64 CPU code (../kernel.ts, ../linalg.ts, ../posterior.ts,
 * ../acquisition.ts); the kernel case also checks against the formula written out below, so
 * the CPU backend is not only compared with itself.
 *
 * Every tolerance is relative to the size of the quantity it bounds (TOLERANCE below), and the
 * problems include the conditions a MAP fit and the strategies produce: noise 1e-6 (the fit's
 * floor) and 1e-10 (the strategies' deterministic mode), 1,000 points clustered within 1e-6,
 * deterministic data with candidates next to the training points, where |logEI| reaches 1e4
 * and far beyond. `errors` reports, per check, the largest error and (suffix "/tol") the
 * largest fraction of its tolerance used.
 */

export type { GpOperations };

export type ConformanceBackend = SurrogateBackend & GpOperations;

/** The CPU reference functions as {@link GpOperations}, to run the suite on the cpu backend. */
export function cpuOperations(): GpOperations {
  return {
    kernelMatrix: (spec, params, x, n) => Promise.resolve(kernelMatrix(spec, params, x, n)),
    cholesky: (a, n) => Promise.resolve(cpuCholeskyFull(a, n)),
    conditionAndScoreTopK: (spec, params, x, ys, n, xc, m, acq, k) => {
      const gp = conditionGP(spec, params, x, n, ys, 0, 1);
      return Promise.resolve({ ...scoreTopKSync(gp, xc, m, acq, k), jitter: gp.jitter });
    },
    logMarginalLikelihood: (spec, params, x, ys, n) =>
      Promise.resolve(cpuLogMarginalLikelihood(spec, params, x, ys, n)),
  };
}

export interface CaseResult {
  failures: string[];
  /** Largest errors measured, by name. */
  errors: Record<string, number>;
}

export interface ConformanceCase {
  readonly name: string;
  run(backend: ConformanceBackend): Promise<CaseResult>;
}

/**
 * What each check allows, relative to the size of what it bounds (s² the output scale, μ, σ²,
 * a the CPU's f64 values). The rationale for each is in packages/gp/README.md ("Precision").
 */
export const TOLERANCE = {
  /** Kernel entries: |ΔK_ij| ≤ kernel·s² (a d-term df64 sum and a df64 exp: ~10u relative). */
  kernel: 1e-12,
  /**
   * Cholesky: ‖LLᵀ − (A + jitter·I)‖_max ≤ cholesky·max|A| (backward error, n·u in df64), with
   * the CPU's jitter.
   */
  cholesky: 1e-12,
  /**
   * Posterior mean: |Δμ| ≤ relative·|μ| + sum·Σ_i|k_i α_i|. Σ|k_i α_i| is the mean's condition:
   * no finite precision resolves μ better than its unit roundoff times that sum (the f64 CPU
   * errs up to ~n·1.1e-16·Σ|k_i α_i|); it reaches 1e9 for clustered points at noise 1e-6.
   */
  mean: { relative: 1e-9, sum: 1e-12 },
  /**
   * Posterior variance: |Δσ²| ≤ relative·σ² + floor·s². σ² = s² − ‖L⁻¹k‖² is resolved to a few
   * unit roundoffs of s² (next to a data point at noise 1e-10, σ² ≈ 1e-10·s² is known to ~1e-4
   * relative in f64 too), hence the floor term, the CPU's own floor on σ² (VARIANCE_FLOOR).
   */
  variance: { relative: 1e-6, floor: 1e-12 },
  /**
   * Acquisition values, against the CPU's f64 acquisition of the CPU's μ, σ²: what μ and σ²
   * within their tolerances can change, |∂a/∂μ|·tol_μ + |∂a/∂σ²|·tol_σ², plus relative·|a| (the
   * f64 special functions). So it scales with the value's size and sensitivity: logEI ≈ −z²/2
   * for z ≪ 0 errs relative to |logEI| as σ² errs relative to σ² (a fixed absolute bound cannot
   * hold once |logEI| ≳ 1e4). `absolute` only keeps 0 = 0 (EI and PI underflow) from failing.
   */
  acquisition: { relative: 1e-12, absolute: 1e-300 },
  /**
   * The chosen candidate (and each of the top k): its CPU value is within the two candidates'
   * acquisition tolerances of the CPU's maximum (k-th best) — closer candidates may swap.
   */
  /**
   * Log marginal likelihood: |ΔLML| ≤ lml·(n + |LML|) (n logs and a quadratic form), with the
   * CPU's jitter.
   */
  lml: 1e-10,
  /**
   * ∂LML/∂θ against the CPU's analytic f64 gradient: ≤ lmlGradient·max(1, max|∂LML/∂θ|) — the
   * trace ½tr((ααᵀ − K⁻¹)∂K/∂θ) cancels terms of size n²·‖K⁻¹‖. (Both are also checked against
   * f64 central differences, h = 1e-5, within 1e-3: that the reference is right.)
   */
  lmlGradient: 1e-7,
} as const;

interface Problem {
  spec: KernelSpec;
  params: KernelParams;
  n: number;
  x: Float64Array;
  ys: Float64Array;
  m: number;
  xc: Float64Array;
  gp: FittedGP;
}

/** Points of the unit cube, with one-hot blocks in the categorical groups. */
function points(rand: () => number, rows: number, d: number, groups: readonly InputGroup[]) {
  const x = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) x[r * d + j] = rand();
    for (const g of groups) {
      const hot = Math.floor(rand() * g.size);
      for (let t = 0; t < g.size; t++) x[r * d + g.start + t] = t === hot ? 1 : 0;
    }
  }
  return x;
}

/** y − mean(y), divided by its standard deviation. */
function standardised(y: Float64Array): Float64Array {
  const n = y.length;
  let mu = 0;
  for (const v of y) mu += v;
  mu /= Math.max(n, 1);
  let sd = 0;
  for (const v of y) sd += (v - mu) ** 2;
  sd = Math.sqrt(sd / Math.max(n, 1)) || 1;
  return y.map((v) => (v - mu) / sd);
}

/** A random GP problem: smooth y from a few sines, standardised, and m candidates. */
export function problem(
  seed: number,
  kind: KernelKind,
  n: number,
  d: number,
  m: number,
  groups: readonly InputGroup[] = [],
  noise = 1e-4,
): Problem {
  const rand = mulberry32(seed);
  const spec: KernelSpec = groups.length ? { kind, d, categoricalGroups: groups } : { kind, d };
  const e = d - groups.reduce((s, g) => s + g.size, 0) + groups.length;
  const lengthscales = Float64Array.from({ length: e }, () => 0.3 + rand());
  const params: KernelParams = { lengthscales, outputScale: 0.5 + rand(), noise };
  const x = points(rand, n, d, groups);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.sin(3 * x[i * d + j]! + j);
    y[i] = s;
  }
  const ys = standardised(y);
  const xc = points(rand, m, d, groups);
  const gp = conditionGP(spec, params, x, n, ys, 0, 1);
  return { spec, params, n, x, ys, m, xc, gp };
}

/**
 * Deterministic data as a study late in its run sees it: n points of a smooth function, noise
 * 1e-6 (the fit's floor) or 1e-10 (the strategies' deterministic mode), and candidates as the
 * strategies make them — a quarter uniform, the rest perturbations of the ten best points at
 * scales 1e-2, 1e-3 and 1e-4, where the variance is tiny and log-EI reaches −1e4 and below.
 */
export function deterministicProblem(
  seed: number,
  kind: KernelKind,
  n: number,
  d: number,
  m: number,
  noise: number,
): Problem {
  const rand = mulberry32(seed);
  const spec: KernelSpec = { kind, d };
  const lengthscales = Float64Array.from({ length: d }, () => 0.4 + 0.6 * rand());
  const params: KernelParams = { lengthscales, outputScale: 1, noise };
  const x = points(rand, n, d, []);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.sin(3 * x[i * d + j]! + j) + 0.3 * x[i * d + j]! ** 2;
    y[i] = s;
  }
  const ys = standardised(y);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ys[a]! - ys[b]!);
  const xc = new Float64Array(m * d);
  for (let c = 0; c < m; c++) {
    if (c % 4 === 0) {
      for (let j = 0; j < d; j++) xc[c * d + j] = rand();
      continue;
    }
    const at = order[c % Math.min(10, n)]!;
    const scale = [1e-2, 1e-3, 1e-4][c % 3]!;
    for (let j = 0; j < d; j++) {
      xc[c * d + j] = Math.min(1, Math.max(0, x[at * d + j]! + scale * (2 * rand() - 1)));
    }
  }
  const gp = conditionGP(spec, params, x, n, ys, 0, 1);
  return { spec, params, n, x, ys, m, xc, gp };
}

/**
 * n points clustered within 1e-6 (d = 2, Matérn-5/2, noise 1e-6): K's entries differ from s²
 * by ~1e-11, α sums to ~1e9 in absolute value and μ = kᵀα cancels it to O(1) — what a study
 * that converged on one point produces. Candidates at distances 1e-4, 1e-5, 3e-6 and 1e-6.
 */
export function clusteredProblem(seed: number, n: number, m: number): Problem {
  const rand = mulberry32(seed);
  const d = 2;
  const centre = [0.3 + 0.4 * rand(), 0.3 + 0.4 * rand()];
  const x = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = centre[i % d]! + 1e-6 * rand();
  const f = (a: number, b: number) => Math.sin(6 * a) + Math.cos(4 * b) + a * b;
  const ys = standardised(Float64Array.from({ length: n }, (_, i) => f(x[2 * i]!, x[2 * i + 1]!)));
  const xc = new Float64Array(m * d);
  for (let c = 0; c < m; c++) {
    const scale = [1e-4, 1e-5, 3e-6, 1e-6][c % 4]!;
    for (let j = 0; j < d; j++) xc[c * d + j] = centre[j]! + scale * (2 * rand() - 0.5);
  }
  const spec: KernelSpec = { kind: 'matern52', d };
  const params: KernelParams = {
    lengthscales: Float64Array.of(0.3, 0.5),
    outputScale: 1,
    noise: 1e-6,
  };
  const gp = conditionGP(spec, params, x, n, ys, 0, 1);
  return { spec, params, n, x, ys, m, xc, gp };
}

class Checker {
  readonly failures: string[] = [];
  readonly errors: Record<string, number> = {};
  /** Records err under `name` (max) and a failure when err > tol. */
  within(name: string, err: number, tol: number, where = ''): void {
    this.errors[name] = Math.max(this.errors[name] ?? 0, err);
    this.errors[`${name}/tol`] = Math.max(this.errors[`${name}/tol`] ?? 0, err / tol);
    if (!(err <= tol)) {
      // One message per check name: a broken backend fails thousands of entries.
      if (!this.failures.some((f) => f.startsWith(`${name}:`))) {
        this.failures.push(`${name}: error ${err} > ${tol}${where ? ` at ${where}` : ''}`);
      }
    }
  }
  ok(cond: boolean, message: string): void {
    if (!cond) this.failures.push(message);
  }
  result(): CaseResult {
    return { failures: this.failures, errors: this.errors };
  }
}

/** k(a, b) written out from the KernelSpec docs, independent of ../kernel.ts. */
function naiveKernel(p: Problem, a: Float64Array, ia: number, b: Float64Array, ib: number): number {
  const { d } = p.spec;
  const groups = p.spec.categoricalGroups ?? [];
  const inGroup = (j: number) => groups.some((g) => j >= g.start && j < g.start + g.size);
  let r2 = 0;
  let li = 0;
  for (let j = 0; j < d; j++) {
    if (inGroup(j)) continue;
    r2 += ((a[ia * d + j]! - b[ib * d + j]!) / p.params.lengthscales[li]!) ** 2;
    li++;
  }
  for (const g of groups) {
    let differ = 0;
    for (let t = g.start; t < g.start + g.size; t++)
      if (a[ia * d + t] !== b[ib * d + t]) differ = 1;
    r2 += (differ / p.params.lengthscales[li]!) ** 2;
    li++;
  }
  const s2 = p.params.outputScale;
  if (p.spec.kind === 'rbf') return s2 * Math.exp(-r2 / 2);
  const r = Math.sqrt(r2);
  return s2 * (1 + Math.sqrt(5) * r + (5 / 3) * r2) * Math.exp(-Math.sqrt(5) * r);
}

/** Σ_i |k(xc_j, x_i)·α_i| for every candidate j: the size of the terms μ_j sums. */
function meanTermSums(p: Problem, xc: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < p.gp.n; i++)
      s += Math.abs(naiveKernel(p, xc, j, p.gp.x, i) * p.gp.alpha[i]!);
    out[j] = s;
  }
  return out;
}

function kernelCase(name: string, p: () => Problem): ConformanceCase {
  return {
    name: `kernel matrix: ${name}`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const k = await backend.kernelMatrix(pr.spec, pr.params, pr.x, pr.n);
      c.ok(k.length === pr.n * pr.n, `length ${k.length} ≠ n² = ${pr.n * pr.n}`);
      const s2 = pr.params.outputScale;
      for (let i = 0; i < pr.n; i++) {
        for (let j = 0; j < pr.n; j++) {
          const want = naiveKernel(pr, pr.x, i, pr.x, j) + (i === j ? pr.params.noise : 0);
          c.within(
            'kernel/s²',
            Math.abs(k[i * pr.n + j]! - want) / s2,
            TOLERANCE.kernel,
            `(${i}, ${j})`,
          );
        }
      }
      return c.result();
    },
  };
}

function choleskyCase(name: string, p: () => Problem): ConformanceCase {
  return {
    name: `cholesky: ${name}`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const n = pr.n;
      const a = kernelMatrix(pr.spec, pr.params, pr.x, n);
      const { l, jitter } = await backend.cholesky(a, n);
      const ref = cpuCholeskyFull(a, n);
      c.ok(jitter === ref.jitter, `jitter ${jitter}, the CPU's ${ref.jitter}`);
      let amax = 0;
      for (const v of a) amax = Math.max(amax, Math.abs(v));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (j > i) {
            c.ok(l[i * n + j] === 0, `upper triangle not zero at (${i}, ${j})`);
            continue;
          }
          let s = 0;
          for (let t = 0; t <= j; t++) s += l[i * n + t]! * l[j * n + t]!;
          const want = a[i * n + j]! + (i === j ? jitter : 0);
          c.within('LLᵀ−A', Math.abs(s - want) / amax, TOLERANCE.cholesky, `(${i}, ${j})`);
        }
      }
      return c.result();
    },
  };
}

/** μ and σ² of the backend against the CPU's, within TOLERANCE.mean and TOLERANCE.variance. */
function checkPosterior(
  c: Checker,
  pr: Problem,
  got: { mean: Float64Array; variance: Float64Array },
  xc: Float64Array,
  m: number,
): void {
  const ref = posterior(pr.gp, xc, m);
  const sums = meanTermSums(pr, xc, m);
  const s2 = pr.gp.params.outputScale;
  for (let j = 0; j < m; j++) {
    const mu = ref.mean[j]!;
    c.within(
      'mean',
      Math.abs(got.mean[j]! - mu),
      TOLERANCE.mean.relative * Math.abs(mu) + TOLERANCE.mean.sum * sums[j]!,
      `candidate ${j} (μ ${mu}, Σ|kα| ${sums[j]})`,
    );
    const v = ref.variance[j]!;
    c.within(
      'variance',
      Math.abs(got.variance[j]! - v),
      TOLERANCE.variance.relative * v + TOLERANCE.variance.floor * s2,
      `candidate ${j} (σ² ${v}, got ${got.variance[j]})`,
    );
    c.ok(got.variance[j]! > 0, `variance[${j}] = ${got.variance[j]} must be > 0`);
  }
}

function posteriorCase(name: string, p: () => Problem, atData = true): ConformanceCase {
  return {
    name: `posterior: ${name}`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const { gp, xc, m } = pr;
      checkPosterior(c, pr, await backend.predict(gp, xc, m), xc, m);
      if (atData) checkPosterior(c, pr, await backend.predict(gp, gp.x, gp.n), gp.x, gp.n);
      return c.result();
    },
  };
}

/** The CPU's f64 acquisition of every candidate and its tolerance (TOLERANCE.acquisition). */
interface CpuAcquisition {
  value: Float64Array;
  tolerance: Float64Array;
}

function cpuAcquisition(pr: Problem, acq: AcquisitionSpec): CpuAcquisition {
  const ref = posterior(pr.gp, pr.xc, pr.m);
  const value = acquisitionValues(acq, ref.mean, ref.variance);
  const sums = meanTermSums(pr, pr.xc, pr.m);
  const s2 = pr.gp.params.outputScale;
  const unit = Float64Array.of(1, 0);
  const tolerance = value.map((a, j) => {
    const mu = ref.mean[j]!;
    const v = ref.variance[j]!;
    const tm = TOLERANCE.mean.relative * Math.abs(mu) + TOLERANCE.mean.sum * sums[j]!;
    const tv = TOLERANCE.variance.relative * v + TOLERANCE.variance.floor * s2;
    // ∂a/∂μ and ∂a/∂σ² as the input gradient of a point whose μ moves along x₀, σ² along x₁.
    const { grad } = acquisitionWithGradient(acq, mu, v, unit, Float64Array.of(0, 1));
    return (
      Math.abs(grad[0]!) * tm +
      Math.abs(grad[1]!) * tv +
      TOLERANCE.acquisition.relative * Math.abs(a) +
      TOLERANCE.acquisition.absolute
    );
  });
  return { value, tolerance };
}

function checkValue(c: Checker, name: string, got: number, want: CpuAcquisition, i: number): void {
  const a = want.value[i]!;
  c.within(
    name,
    got === a ? 0 : Math.abs(got - a),
    want.tolerance[i]!,
    `candidate ${i} (CPU ${a}, got ${got})`,
  );
}

function acquisitionCase(
  name: string,
  kind: AcquisitionKind,
  p: () => Problem,
  best?: number,
  minMagnitude = 0,
): ConformanceCase {
  return {
    name: `acquisition ${kind} (all m through scoreTopK with k = m): ${name}`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const { gp, xc, m } = pr;
      const acq: AcquisitionSpec = { kind, best: best ?? Math.min(...pr.ys), xi: 0.01, beta: 4 };
      const top = await backend.scoreTopK(gp, xc, m, acq, m);
      const want = cpuAcquisition(pr, acq);
      const seen = new Uint8Array(m);
      let largest = 0;
      for (let r = 0; r < m; r++) {
        const i = top.index[r]!;
        c.ok(i < m && seen[i] === 0, `index ${i} repeated or out of range`);
        seen[i] = 1;
        checkValue(c, kind, top.value[r]!, want, i);
        largest = Math.max(largest, Math.abs(want.value[i]!));
        if (r > 0) c.ok(top.value[r - 1]! >= top.value[r]!, `values not sorted at rank ${r}`);
      }
      c.ok(largest >= minMagnitude, `the case needs |${kind}| ≥ ${minMagnitude}, has ${largest}`);
      return c.result();
    },
  };
}

/**
 * The top k against the CPU's: the candidate at each rank r has a CPU value within the two
 * candidates' tolerances of the CPU's r-th best (rank 0: the chosen candidate), and its value
 * within its tolerance of the CPU's.
 */
function checkTopK(c: Checker, got: TopK, k: number, want: CpuAcquisition, label: string): void {
  c.ok(got.index.length === k && got.value.length === k, `expected ${k} results`);
  const order = Array.from(want.value.keys()).sort(
    (a, b) => want.value[b]! - want.value[a]! || a - b,
  );
  for (let r = 0; r < k; r++) {
    const i = got.index[r]!;
    const j = order[r]!;
    c.within(
      r === 0 ? `${label} choice` : `${label} rank`,
      Math.max(0, want.value[j]! - want.value[i]!),
      want.tolerance[i]! + want.tolerance[j]!,
      `rank ${r}: candidate ${i} (CPU ${want.value[i]}), the CPU's ${j} (${want.value[j]})`,
    );
    checkValue(c, `${label} value`, got.value[r]!, want, i);
  }
}

function topKCase(
  name: string,
  kind: AcquisitionKind,
  k: number,
  p: () => Problem,
  minMagnitude = 0,
): ConformanceCase {
  return {
    name: `top-${k} ${kind}: ${name}`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const { gp, xc, m } = pr;
      const acq: AcquisitionSpec = { kind, best: Math.min(...pr.ys) };
      const got = await backend.scoreTopK(gp, xc, m, acq, k);
      const want = cpuAcquisition(pr, acq);
      checkTopK(c, got, k, want, kind);
      let largest = 0;
      for (const v of want.value) largest = Math.max(largest, Math.abs(v));
      c.ok(largest >= minMagnitude, `the case needs |${kind}| ≥ ${minMagnitude}, has ${largest}`);
      return c.result();
    },
  };
}

function suggestCase(name: string, p: () => Problem): ConformanceCase {
  return {
    name: `fit-free suggest step (K, Cholesky, α, posterior, logEI, top-k): ${name}`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const acq: AcquisitionSpec = { kind: 'logEI', best: Math.min(...pr.ys) };
      const got = await backend.conditionAndScoreTopK(
        pr.spec,
        pr.params,
        pr.x,
        pr.ys,
        pr.n,
        pr.xc,
        pr.m,
        acq,
        5,
      );
      c.ok(got.jitter === pr.gp.jitter, `jitter ${got.jitter}, the CPU's ${pr.gp.jitter}`);
      checkTopK(c, got, 5, cpuAcquisition(pr, acq), 'suggest');
      return c.result();
    },
  };
}

/** LML of the CPU reference at θ (log-parameters), for central differences. */
function lmlAt(p: Problem, theta: Float64Array): number {
  const e = p.params.lengthscales.length;
  const params: KernelParams = {
    lengthscales: Float64Array.from({ length: e }, (_, c) => Math.exp(theta[c]!)),
    outputScale: Math.exp(theta[e]!),
    noise: Math.exp(theta[e + 1]!),
  };
  return conditionGP(p.spec, params, p.x, p.n, p.ys, 0, 1).logMarginalLikelihood;
}

function likelihoodCase(name: string, p: () => Problem): ConformanceCase {
  return {
    name: `log marginal likelihood and gradient: ${name}`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const got = await backend.logMarginalLikelihood(pr.spec, pr.params, pr.x, pr.ys, pr.n);
      const e = pr.params.lengthscales.length;
      c.ok(
        got.gradient.length === e + 2,
        `gradient length ${got.gradient.length} ≠ e + 2 = ${e + 2}`,
      );
      c.ok(got.jitter === pr.gp.jitter, `jitter ${got.jitter}, the CPU's ${pr.gp.jitter}`);
      c.within(
        'LML',
        Math.abs(got.value - pr.gp.logMarginalLikelihood),
        TOLERANCE.lml * (pr.n + Math.abs(pr.gp.logMarginalLikelihood)),
        `(${got.value} vs ${pr.gp.logMarginalLikelihood})`,
      );
      const cpu = cpuLogMarginalLikelihood(pr.spec, pr.params, pr.x, pr.ys, pr.n);
      let gmax = 1;
      for (const g of cpu.gradient) gmax = Math.max(gmax, Math.abs(g));
      for (let j = 0; j < e + 2; j++) {
        c.within(
          '∂LML/∂θ',
          Math.abs(got.gradient[j]! - cpu.gradient[j]!),
          TOLERANCE.lmlGradient * gmax,
          `θ_${j} (${got.gradient[j]} vs ${cpu.gradient[j]})`,
        );
      }
      const theta = Float64Array.from([
        ...Array.from(pr.params.lengthscales, Math.log),
        Math.log(pr.params.outputScale),
        Math.log(pr.params.noise),
      ]);
      const h = 1e-5;
      for (let j = 0; j < e + 2; j++) {
        const up = theta.slice();
        const down = theta.slice();
        up[j]! += h;
        down[j]! -= h;
        const fd = (lmlAt(pr, up) - lmlAt(pr, down)) / (2 * h);
        c.within('∂LML/∂θ vs differences', Math.abs(got.gradient[j]! - fd), 1e-3 * gmax, `θ_${j}`);
      }
      return c.result();
    },
  };
}

/** The suite. Sizes exercise several 32-blocks of the Cholesky and several top-k passes. */
export function conformanceCases(): ConformanceCase[] {
  const groups: InputGroup[] = [
    { start: 2, size: 3 },
    { start: 6, size: 2 },
  ];
  const cont = () => problem(1, 'matern52', 150, 6, 1500);
  const cat = () => problem(2, 'rbf', 120, 9, 1200, groups);
  const big = () => problem(3, 'matern52', 300, 4, 5000, [], 1e-3);
  // Every candidate of a predict, or of scoreTopK with k = m, costs an O(n²) exact solve: the
  // hard cases keep m small there (SwiftShader runs df64 at a few Mflop/s on a loaded machine).
  const clustered = (m: number) => () => clusteredProblem(21, 1000, m);
  const det100 = () => deterministicProblem(22, 'matern52', 100, 3, 600, 1e-10);
  const det400 = (m: number) => () => deterministicProblem(23, 'rbf', 400, 4, m, 1e-6);
  const det200 = () => deterministicProblem(24, 'matern52', 200, 5, 1000, 1e-10);
  return [
    kernelCase('matern52, 6 continuous dims', () => problem(4, 'matern52', 70, 6, 1)),
    kernelCase('rbf, categorical groups', () => problem(5, 'rbf', 60, 9, 1, groups)),
    choleskyCase('matern52 n = 150', cont),
    choleskyCase('rbf categorical n = 120', cat),
    choleskyCase('deterministic rbf n = 400, noise 1e-6', det400(1)),
    posteriorCase('matern52 continuous', cont),
    posteriorCase('rbf with categorical groups', cat),
    posteriorCase('matern52 n = 300', () => problem(3, 'matern52', 300, 4, 300, [], 1e-3)),
    posteriorCase('1,000 points clustered within 1e-6, noise 1e-6', clustered(96), false),
    posteriorCase('deterministic matern52 n = 100, noise 1e-10', det100),
    posteriorCase('deterministic rbf n = 400, noise 1e-6', det400(200), false),
    acquisitionCase('matern52 continuous', 'ei', cont, -0.5),
    acquisitionCase('matern52 continuous', 'logEI', cont, -3),
    acquisitionCase('rbf with categorical groups', 'pi', cat, -0.5),
    acquisitionCase('rbf with categorical groups', 'ucb', cat, -0.5),
    acquisitionCase('deterministic matern52 n = 100, noise 1e-10', 'logEI', det100, undefined, 1e4),
    acquisitionCase('deterministic rbf n = 400, noise 1e-6', 'ei', det400(200)),
    topKCase('matern52 n = 300', 'logEI', 10, big),
    topKCase('matern52 continuous', 'ei', 1, cont),
    topKCase('rbf with categorical groups', 'ucb', 20, cat),
    topKCase('1,000 points clustered within 1e-6, noise 1e-6', 'logEI', 10, clustered(512), 1e4),
    topKCase('deterministic matern52 n = 200, noise 1e-10', 'logEI', 5, det200, 1e4),
    topKCase('deterministic rbf n = 400, noise 1e-6', 'pi', 3, det400(800)),
    suggestCase('matern52 n = 300', big),
    suggestCase('deterministic matern52 n = 200, noise 1e-10', det200),
    likelihoodCase('matern52 continuous', () => problem(10, 'matern52', 100, 5, 1, [], 1e-2)),
    likelihoodCase('rbf with categorical groups', () => problem(11, 'rbf', 90, 9, 1, groups, 1e-2)),
    likelihoodCase('rbf n = 200, noise 1e-6', () => problem(12, 'rbf', 200, 2, 1, [], 1e-6)),
  ];
}
