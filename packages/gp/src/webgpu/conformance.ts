import { acquisitionValues } from '../acquisition.js';
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
 * Tolerances, for f32 backends (the CPU backend meets them with room to spare). On SwiftShader
 * the largest errors measured are 10–100× below them (kernel 2.4e-7, LLᵀ−A 3e-7, mean 7.6e-8,
 * variance 4.7e-6, ei 6.8e-7, logEI 1e-4, pi 8.5e-7, ucb 1.1e-6, choice 0); the margin covers
 * other GPUs, whose WGSL exp/log may be several ulp less accurate:
 * - kernel entries 1e-5·s²: each is a d-term sum and one exp, each ~ε_f32 = 6e-8 relative;
 *   1e-5 leaves room for d up to ~100 and the Matérn polynomial.
 * - Cholesky: ‖LLᵀ − A‖_max ≤ 1e-4·max|A| — blocked f32 updates accumulate n·ε_f32 (n ≤ 320).
 * - posterior mean: 1e-5·(1 + Σ|k_i α_i|) — μ = kᵀα is an n-term f32 dot product (error
 *   ~√n·ε of the sum of |terms|; α itself comes from f64), so the bound scales with the terms.
 * - variance: 2e-4·s² — s² − ‖L⁻¹k‖² cancels two O(s²) numbers, and L⁻¹ formed in f32 errs
 *   ~ε·cond(L) ≈ 6e-8·√(s²/noise) ≈ 6e-6 for noise 1e-4; 2e-4 leaves room for n up to thousands.
 * - acquisition, against the CPU acquisition of the backend's own (μ, σ²): 1e-4 relative
 *   (+1e-6 absolute) for ei, pi, ucb, 1e-3 absolute for logEI (f32 logs of values near 1).
 * - log marginal likelihood: 1e-4·(n + |LML|) — a sum of n f32 logs and a quadratic form;
 *   its gradient (w.r.t. log-parameters): 1e-3·max(1, max|∂LML/∂θ|), against f64 central
 *   differences (h = 1e-5, error ~1e-9): ½tr((ααᵀ − K⁻¹)∂K/∂θ) cancels O(n²·‖K⁻¹‖) terms.
 * - chosen candidate: the backend's argmax equals the CPU's, or its CPU acquisition value is
 *   within 1e-2 of the CPU maximum relative to max − median: μ, σ² errs by the bounds above, so
 *   candidates that differ by less reorder (near-ties) and either is an equally good choice.
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

export const TOLERANCE = {
  kernel: 1e-5,
  cholesky: 1e-4,
  mean: 1e-5,
  variance: 2e-4,
  acquisitionRelative: 1e-4,
  acquisitionAbsolute: 1e-6,
  logEI: 1e-3,
  choice: 1e-2,
  lml: 1e-4,
  lmlGradient: 1e-3,
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
  let mu = 0;
  for (const v of y) mu += v;
  mu /= Math.max(n, 1);
  let sd = 0;
  for (const v of y) sd += (v - mu) ** 2;
  sd = Math.sqrt(sd / Math.max(n, 1)) || 1;
  const ys = y.map((v) => (v - mu) / sd);
  const xc = points(rand, m, d, groups);
  const gp = conditionGP(spec, params, x, n, ys, 0, 1);
  return { spec, params, n, x, ys, m, xc, gp };
}

class Checker {
  readonly failures: string[] = [];
  readonly errors: Record<string, number> = {};
  /** Records err under `name` (max) and a failure when err > tol. */
  within(name: string, err: number, tol: number, where = ''): void {
    this.errors[name] = Math.max(this.errors[name] ?? 0, err);
    if (!(err <= tol))
      this.failures.push(`${name}: error ${err} > ${tol}${where ? ` at ${where}` : ''}`);
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
          c.within('L−L_cpu', Math.abs(l[i * n + j]! - ref.l[i * n + j]!) / Math.sqrt(amax), 1e-2);
        }
      }
      return c.result();
    },
  };
}

function posteriorCase(name: string, p: () => Problem): ConformanceCase {
  return {
    name: `posterior: ${name}`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const { gp, xc, m } = pr;
      const got = await backend.predict(gp, xc, m);
      const ref = posterior(gp, xc, m);
      const s2 = gp.params.outputScale;
      const kc = new Float64Array(gp.n);
      for (let j = 0; j < m; j++) {
        let scale = 1;
        for (let i = 0; i < gp.n; i++) {
          kc[i] = naiveKernel(pr, xc, j, gp.x, i);
          scale += Math.abs(kc[i]! * gp.alpha[i]!);
        }
        c.within(
          'mean',
          Math.abs(got.mean[j]! - ref.mean[j]!) / scale,
          TOLERANCE.mean,
          `candidate ${j}`,
        );
        c.within(
          'variance/s²',
          Math.abs(got.variance[j]! - ref.variance[j]!) / s2,
          TOLERANCE.variance,
          `candidate ${j}`,
        );
        c.ok(got.variance[j]! > 0, `variance[${j}] = ${got.variance[j]} must be > 0`);
      }
      // At the training points the GP (noise 1e-4) interpolates: μ ≈ y, σ² ≈ small.
      const atData = await backend.predict(gp, gp.x, gp.n);
      for (let i = 0; i < gp.n; i++) {
        c.within('interpolation', Math.abs(atData.mean[i]! - pr.ys[i]!), 0.05, `point ${i}`);
        c.within('variance at data/s²', atData.variance[i]! / s2, 0.05, `point ${i}`);
      }
      return c.result();
    },
  };
}

function acquisitionCase(kind: AcquisitionKind, p: () => Problem, best = -0.5): ConformanceCase {
  return {
    name: `acquisition ${kind} (all m through scoreTopK with k = m)`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const { gp, xc, m } = pr;
      const acq: AcquisitionSpec = { kind, best, xi: 0.01, beta: 4 };
      const top = await backend.scoreTopK(gp, xc, m, acq, m);
      const own = await backend.predict(gp, xc, m);
      const fromOwn = acquisitionValues(acq, own.mean, own.variance);
      const seen = new Uint8Array(m);
      for (let r = 0; r < m; r++) {
        const i = top.index[r]!;
        c.ok(i < m && seen[i] === 0, `index ${i} repeated or out of range`);
        seen[i] = 1;
        const want = fromOwn[i]!;
        const err = Math.abs(top.value[r]! - want);
        if (kind === 'logEI') c.within(kind, err, TOLERANCE.logEI, `candidate ${i}`);
        else {
          c.within(
            kind,
            err / (Math.abs(want) + TOLERANCE.acquisitionAbsolute / TOLERANCE.acquisitionRelative),
            TOLERANCE.acquisitionRelative,
            `candidate ${i}`,
          );
        }
        if (r > 0) c.ok(top.value[r - 1]! >= top.value[r]!, `values not sorted at rank ${r}`);
      }
      return c.result();
    },
  };
}

/** The rule for the chosen candidate (see TOLERANCE.choice). */
function checkChoice(c: Checker, chosen: number, cpuValues: Float64Array, label: string): void {
  const sorted = Float64Array.from(cpuValues).sort();
  const max = sorted[sorted.length - 1]!;
  const median = sorted[sorted.length >> 1]!;
  const gap = max - cpuValues[chosen]!;
  c.within(
    `${label} choice`,
    gap / Math.max(max - median, 1e-12),
    TOLERANCE.choice,
    `candidate ${chosen}`,
  );
}

function topKCase(kind: AcquisitionKind, k: number, p: () => Problem): ConformanceCase {
  return {
    name: `top-${k} ${kind}`,
    async run(backend) {
      const pr = p();
      const c = new Checker();
      const { gp, xc, m } = pr;
      const acq: AcquisitionSpec = { kind, best: -0.5 };
      const got = await backend.scoreTopK(gp, xc, m, acq, k);
      const ref = posterior(gp, xc, m);
      const cpuValues = acquisitionValues(acq, ref.mean, ref.variance);
      c.ok(got.index.length === k && got.value.length === k, `expected ${k} results`);
      checkChoice(c, got.index[0]!, cpuValues, kind);
      // Every returned candidate is among the CPU's best within the tolerance band.
      const sorted = Float64Array.from(cpuValues).sort().reverse();
      const kth = sorted[k - 1]!;
      const band = TOLERANCE.choice * Math.max(sorted[0]! - sorted[m >> 1]!, 1e-12);
      for (let r = 0; r < k; r++) {
        c.ok(
          cpuValues[got.index[r]!]! >= kth - band,
          `rank ${r}: candidate ${got.index[r]} is not in the CPU's top ${k}`,
        );
      }
      return c.result();
    },
  };
}

function suggestCase(p: () => Problem): ConformanceCase {
  return {
    name: 'fit-free suggest step (K, Cholesky, α, posterior, logEI, top-k)',
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
      const ref = posterior(pr.gp, pr.xc, pr.m);
      const cpuValues = acquisitionValues(acq, ref.mean, ref.variance);
      c.ok(got.index.length === 5, 'expected 5 results');
      checkChoice(c, got.index[0]!, cpuValues, 'suggest');
      c.within('suggest logEI value', Math.abs(got.value[0]! - cpuValues[got.index[0]!]!), 0.05);
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
      c.within(
        'LML',
        Math.abs(got.value - pr.gp.logMarginalLikelihood) / (pr.n + Math.abs(got.value)),
        TOLERANCE.lml,
      );
      const theta = Float64Array.from([
        ...Array.from(pr.params.lengthscales, Math.log),
        Math.log(pr.params.outputScale),
        Math.log(pr.params.noise),
      ]);
      const h = 1e-5;
      let gmax = 1;
      const fd = new Float64Array(e + 2);
      for (let j = 0; j < e + 2; j++) {
        const up = theta.slice();
        const down = theta.slice();
        up[j]! += h;
        down[j]! -= h;
        fd[j] = (lmlAt(pr, up) - lmlAt(pr, down)) / (2 * h);
        gmax = Math.max(gmax, Math.abs(fd[j]!));
      }
      for (let j = 0; j < e + 2; j++) {
        c.within(
          '∂LML/∂θ',
          Math.abs(got.gradient[j]! - fd[j]!) / gmax,
          TOLERANCE.lmlGradient,
          `θ_${j}`,
        );
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
  return [
    kernelCase('matern52, 6 continuous dims', () => problem(4, 'matern52', 70, 6, 1)),
    kernelCase('rbf, categorical groups', () => problem(5, 'rbf', 60, 9, 1, groups)),
    choleskyCase('matern52 n = 150', cont),
    choleskyCase('rbf categorical n = 120', cat),
    posteriorCase('matern52 continuous', cont),
    posteriorCase('rbf with categorical groups', cat),
    posteriorCase('matern52 n = 300, m = 5000', big),
    acquisitionCase('ei', cont),
    acquisitionCase('logEI', cont, -3),
    acquisitionCase('pi', cat),
    acquisitionCase('ucb', cat),
    topKCase('logEI', 10, big),
    topKCase('ei', 1, cont),
    topKCase('ucb', 20, cat),
    suggestCase(big),
    likelihoodCase('matern52 continuous', () => problem(10, 'matern52', 100, 5, 1, [], 1e-2)),
    likelihoodCase('rbf with categorical groups', () => problem(11, 'rbf', 90, 9, 1, groups, 1e-2)),
  ];
}
