import { checkPoints, kernelLayout, kernelMatrixPacked, validateParams } from './kernel.js';
import {
  choleskyInto,
  choleskySolve,
  JITTER_SCHEDULE,
  logDetFromCholesky,
  packedLength,
} from './linalg.js';
import type { FittedGP, KernelParams, KernelSpec } from './types.js';

/**
 * The Cholesky factor of K = k(X, X) + (noise + jitter)·I for a set of points that grows, with
 * the hyperparameters fixed: what a strategy keeps between suggestions so that one new trial
 * costs one new row of L (O(n²)) instead of a refactorisation (O(n³)), and pending trials
 * (fantasies) are appended for one suggestion and dropped again in O(1).
 *
 * Appending reproduces a from-scratch factorisation of the same rows bit for bit (the row
 * algorithm computes each row from the rows above it only). Buffers grow by half again when
 * full; the GPs {@link GPFactor.condition} returns share them.
 */
export interface GPFactor {
  readonly spec: KernelSpec;
  readonly params: KernelParams;
  /** Rows (points) in the factor. */
  readonly n: number;
  readonly d: number;
  /** Added to every diagonal entry: 0, or the jitter the schedule needed (see {@link JITTER_SCHEDULE}). */
  readonly jitter: number;
  /** capacity×d, row-major: the points, first n rows valid. Replaced when it grows. */
  readonly x: Float64Array;
  /** Packed lower factor (row i at i(i+1)/2), first n rows valid. Replaced when it grows. */
  readonly chol: Float64Array;
  /**
   * Bumped whenever rows are dropped or rebuilt, so a consumer that copied rows (a GPU backend
   * keeping L on the device) can ask {@link GPFactor.stableRows} which of them still hold.
   */
  readonly generation: number;
  /** Full refactorisations an append caused because the new point needed (more) jitter. */
  readonly refactorisations: number;
  /**
   * Appends `count` points (count×d, row-major, unit cube): O(count·n²). When a new pivot is not
   * positive (a near-duplicate point with little noise), the whole factor is rebuilt with the next
   * jitter of the schedule — O(n³), reported in `jitter` and `refactorisations`.
   * @throws when even the largest jitter fails, or a coordinate is not finite.
   */
  append(points: Float64Array, count: number): void;
  /** Drops rows n… (fantasies): O(1). GPs conditioned on more rows must not be used afterwards. */
  truncate(n: number): void;
  /** How many leading rows are unchanged since generation `since` (all n when it is the current one). */
  stableRows(since: number): number;
  /**
   * The GP conditioned on `ys` (n standardised values in row order): α = K⁻¹ys by two triangular
   * solves and the log marginal likelihood, O(n²). The GP shares this factor's buffers: it stays
   * valid while rows are appended, not after a {@link GPFactor.truncate} below its n.
   */
  condition(ys: Float64Array, yMean: number, yStd: number): FittedGP;
}

/**
 * Factorises K for n points (jitter schedule as {@link cholesky}'s) into a {@link GPFactor}.
 * @param x n×d, row-major, unit cube (copied). @param capacity rows to allocate for (default n).
 * @throws on bad arguments, before any work, and when K is not positive definite even with the
 * largest jitter.
 */
export function createGPFactor(
  spec: KernelSpec,
  params: KernelParams,
  x: Float64Array,
  n: number,
  capacity = n,
): GPFactor {
  const layout = kernelLayout(spec);
  validateParams(layout, params);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`createGPFactor: n (${n}) must be an integer ≥ 0`);
  checkPoints('x', x, n, layout.d);
  checkFinite('x', x, n * layout.d);
  const d = layout.d;
  let cap = Math.max(n, capacity, 1);
  let xs = new Float64Array(cap * d);
  xs.set(x.subarray(0, n * d));
  let l = new Float64Array(packedLength(cap));
  let rows = 0;
  let jitter = 0;
  let generation = 0;
  let refactorisations = 0;
  /** (generation it ended, rows that survived it), one entry per truncate or rebuild. */
  const cuts: { generation: number; rows: number }[] = [];
  const meanDiag = params.outputScale + params.noise;

  const grow = (need: number) => {
    if (need <= cap) return;
    cap = Math.max(need, Math.ceil(cap * 1.5));
    const nx = new Float64Array(cap * d);
    nx.set(xs.subarray(0, rows * d));
    xs = nx;
    const nl = new Float64Array(packedLength(cap));
    nl.set(l.subarray(0, packedLength(rows)));
    l = nl;
  };
  /** Rebuilds rows 0…count−1 from the points, trying jitters ≥ `minJitter`. */
  const rebuild = (count: number, minJitter: number) => {
    const schedule = [0, ...JITTER_SCHEDULE.map((s) => s * meanDiag)].filter((j) => j >= minJitter);
    for (const j of schedule) {
      kernelMatrixPacked(spec, params, xs, count, l);
      if (choleskyInto(l, count, l, j)) {
        rows = count;
        jitter = j;
        return;
      }
    }
    throw new Error(
      `GP factor: K (n = ${count}, diagonal ${meanDiag}) is not positive definite even with jitter ${JITTER_SCHEDULE.at(-1)}× the diagonal`,
    );
  };
  const cut = (keep: number) => {
    cuts.push({ generation, rows: keep });
    generation++;
  };

  rebuild(n, 0);
  const factor: GPFactor = {
    spec,
    params,
    d,
    get n() {
      return rows;
    },
    get jitter() {
      return jitter;
    },
    get x() {
      return xs;
    },
    get chol() {
      return l;
    },
    get generation() {
      return generation;
    },
    get refactorisations() {
      return refactorisations;
    },
    append(points, count) {
      if (!Number.isInteger(count) || count < 0) {
        throw new Error(`GPFactor.append: count (${count}) must be an integer ≥ 0`);
      }
      checkPoints('points', points, count, d);
      checkFinite('points', points, count * d);
      grow(rows + count);
      xs.set(points.subarray(0, count * d), rows * d);
      const start = rows;
      const end = rows + count;
      kernelMatrixPacked(spec, params, xs, end, l, start);
      if (jitter > 0) for (let i = start; i < end; i++) l[(i * (i + 1)) / 2 + i]! += jitter;
      if (choleskyInto(l, end, l, 0, start)) {
        rows = end;
        return;
      }
      // A new pivot failed: refactorise everything with the next jitter (the old rows' diagonal
      // changes too, so every row is rebuilt).
      refactorisations++;
      cut(0);
      try {
        rebuild(end, jitter > 0 ? jitter * 10 : JITTER_SCHEDULE[0]! * meanDiag);
      } catch (e) {
        rows = 0; // the in-place attempts overwrote the factor
        throw e;
      }
    },
    truncate(keep) {
      if (!Number.isInteger(keep) || keep < 0 || keep > rows) {
        throw new Error(`GPFactor.truncate: n (${keep}) must be an integer in [0, ${rows}]`);
      }
      if (keep === rows) return;
      cut(keep);
      rows = keep;
    },
    stableRows(since) {
      let stable = rows;
      for (const c of cuts) if (c.generation >= since) stable = Math.min(stable, c.rows);
      return stable;
    },
    condition(ys, yMean, yStd) {
      if (!(ys instanceof Float64Array) || ys.length < rows) {
        throw new Error(`GPFactor.condition: ys has length ${ys?.length}, needs n = ${rows}`);
      }
      checkFinite('ys', ys, rows);
      if (!Number.isFinite(yMean) || !(yStd > 0) || !Number.isFinite(yStd)) {
        throw new Error(
          `GPFactor.condition: yMean (${yMean}) must be finite and yStd (${yStd}) finite and > 0`,
        );
      }
      const alpha = choleskySolve(l, rows, ys);
      let quad = 0;
      for (let i = 0; i < rows; i++) quad += ys[i]! * alpha[i]!;
      const lml =
        -0.5 * quad - 0.5 * logDetFromCholesky(l, rows) - 0.5 * rows * Math.log(2 * Math.PI);
      return {
        spec,
        params,
        n: rows,
        d,
        x: xs,
        yMean,
        yStd,
        alpha,
        chol: l,
        jitter,
        logMarginalLikelihood: lml,
        factor,
        factorGeneration: generation,
      };
    },
  };
  return factor;
}

function checkFinite(name: string, v: Float64Array, len: number): void {
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(v[i]!)) throw new Error(`${name}[${i}]: ${v[i]} must be finite`);
  }
}
