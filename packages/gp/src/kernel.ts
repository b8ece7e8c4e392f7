import { packedLength, rowOffset, unpackLower } from './linalg.js';
import type { KernelKind, KernelParams, KernelSpec } from './types.js';

/*
 * Stationary kernels on r² = Σ_continuous ((a_i − b_i)/ℓ_i)² + Σ_groups (hamming_g(a, b)/ℓ_g)²,
 * where hamming_g is 1 when the one-hot blocks of group g are not identical and 0 when they are.
 *   matern52: k = s²·(1 + √5 r + 5r²/3)·e^{−√5 r}
 *   rbf:      k = s²·e^{−r²/2}
 */

const SQRT5 = Math.sqrt(5);

/** Continuous input dimensions and categorical groups of a spec, resolved once. */
export interface KernelLayout {
  readonly d: number;
  /** Indices of the continuous input dimensions, ascending. */
  readonly continuous: Int32Array;
  /** start, size of each categorical group, interleaved (2·groups). */
  readonly groups: Int32Array;
  /** Number of lengthscales: continuous dimensions, then one per group. */
  readonly e: number;
}

/**
 * Validates a spec and resolves which dimensions are continuous. Throws when d is not a
 * positive integer or a group is empty, out of range or overlaps another.
 */
export function kernelLayout(spec: KernelSpec): KernelLayout {
  const { d, kind } = spec;
  if (kind !== 'matern52' && kind !== 'rbf') {
    throw new Error(`kernel.kind: '${String(kind)}' must be 'matern52' or 'rbf'`);
  }
  if (!Number.isInteger(d) || d < 1) throw new Error(`kernel.d: ${d} must be an integer ≥ 1`);
  const owner = new Int32Array(d).fill(-1);
  const groups = spec.categoricalGroups ?? [];
  const g = new Int32Array(2 * groups.length);
  groups.forEach((group, gi) => {
    const { start, size } = group;
    if (!Number.isInteger(start) || !Number.isInteger(size) || size < 1 || start < 0) {
      throw new Error(
        `kernel.categoricalGroups[${gi}]: start ${start}, size ${size} must be integers with start ≥ 0, size ≥ 1`,
      );
    }
    if (start + size > d) {
      throw new Error(
        `kernel.categoricalGroups[${gi}]: start + size (${start + size}) must be ≤ d (${d})`,
      );
    }
    for (let i = start; i < start + size; i++) {
      if (owner[i] !== -1) {
        throw new Error(
          `kernel.categoricalGroups[${gi}]: dimension ${i} already belongs to group ${owner[i]}`,
        );
      }
      owner[i] = gi;
    }
    g[2 * gi] = start;
    g[2 * gi + 1] = size;
  });
  const cont: number[] = [];
  for (let i = 0; i < d; i++) if (owner[i] === -1) cont.push(i);
  return { d, continuous: Int32Array.from(cont), groups: g, e: cont.length + groups.length };
}

/** Throws unless `params` fits `layout`: e positive finite lengthscales, s² > 0, noise ≥ 0. */
export function validateParams(layout: KernelLayout, params: KernelParams): void {
  const { lengthscales, outputScale, noise } = params;
  if (!(lengthscales instanceof Float64Array) || lengthscales.length !== layout.e) {
    throw new Error(
      `params.lengthscales: length ${lengthscales?.length} must be ${layout.e} (continuous dims + categorical groups)`,
    );
  }
  for (let j = 0; j < layout.e; j++) {
    const l = lengthscales[j]!;
    if (!(l > 0) || !Number.isFinite(l)) {
      throw new Error(`params.lengthscales[${j}]: ${l} must be finite and > 0`);
    }
  }
  if (!(outputScale > 0) || !Number.isFinite(outputScale)) {
    throw new Error(`params.outputScale: ${outputScale} must be finite and > 0`);
  }
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw new Error(`params.noise: ${noise} must be finite and ≥ 0`);
  }
}

/** Throws unless `x` is a Float64Array holding at least rows×d values (row-major points). */
export function checkPoints(name: string, x: Float64Array, rows: number, d: number): void {
  if (!Number.isInteger(rows) || rows < 0)
    throw new Error(`${name}: count ${rows} must be an integer ≥ 0`);
  if (!(x instanceof Float64Array)) throw new Error(`${name}: must be a Float64Array`);
  if (x.length < rows * d) {
    throw new Error(`${name}: length ${x.length} must be ≥ ${rows}×${d} = ${rows * d}`);
  }
}

/** Kernel value s²·base(r²) for a squared scaled distance r². */
export function kernelFromR2(kind: KernelKind, outputScale: number, r2: number): number {
  if (kind === 'rbf') return outputScale * Math.exp(-0.5 * r2);
  const r = Math.sqrt(r2);
  return outputScale * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/**
 * ∂k/∂(r²) — finite at r = 0 for both kernels: matern52 −(5/6)s²(1 + √5 r)e^{−√5 r},
 * rbf −½ s² e^{−r²/2}.
 */
export function kernelDR2(kind: KernelKind, outputScale: number, r2: number): number {
  if (kind === 'rbf') return -0.5 * outputScale * Math.exp(-0.5 * r2);
  const r = Math.sqrt(r2);
  return (-5 / 6) * outputScale * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/** Inverse squared lengthscales, length e. */
export function inverseSquaredLengthscales(params: KernelParams): Float64Array {
  const w = new Float64Array(params.lengthscales.length);
  for (let j = 0; j < w.length; j++) {
    const l = params.lengthscales[j]!;
    w[j] = 1 / (l * l);
  }
  return w;
}

/**
 * r² between row `ia` of `a` and row `ib` of `b` (both d-wide, row-major), with inverse squared
 * lengthscales `w`.
 */
export function scaledDistance2(
  layout: KernelLayout,
  w: Float64Array,
  a: Float64Array,
  ia: number,
  b: Float64Array,
  ib: number,
): number {
  const { d, continuous, groups } = layout;
  const oa = ia * d;
  const ob = ib * d;
  let r2 = 0;
  const nc = continuous.length;
  if (nc === d) {
    for (let j = 0; j < d; j++) {
      const t = a[oa + j]! - b[ob + j]!;
      r2 += t * t * w[j]!;
    }
    return r2;
  }
  for (let j = 0; j < nc; j++) {
    const c = continuous[j]!;
    const t = a[oa + c]! - b[ob + c]!;
    r2 += t * t * w[j]!;
  }
  for (let g = 0; g < groups.length; g += 2) {
    const start = groups[g]!;
    const end = start + groups[g + 1]!;
    for (let i = start; i < end; i++) {
      if (a[oa + i] !== b[ob + i]) {
        r2 += w[nc + (g >> 1)]!;
        break;
      }
    }
  }
  return r2;
}

/** k(a, a) for every a: the output scale s² (noise excluded). */
export function kernelDiag(_spec: KernelSpec, params: KernelParams): number {
  return params.outputScale;
}

/**
 * The kernel matrix K of n points with `params.noise` added on the diagonal.
 * @param x n×d, row-major, unit cube.
 * @returns n×n, row-major, symmetric.
 */
export function kernelMatrix(
  spec: KernelSpec,
  params: KernelParams,
  x: Float64Array,
  n: number,
): Float64Array {
  return unpackLower(kernelMatrixPacked(spec, params, x, n), n, true);
}

/**
 * Rows `from`…n−1 of the kernel matrix K (noise on the diagonal), packed lower (row i at
 * i(i+1)/2, columns 0…i), into `out` (new when absent): `from = n − 1` is the one new row an
 * appended point adds.
 * @param x n×d, row-major, unit cube.
 */
export function kernelMatrixPacked(
  spec: KernelSpec,
  params: KernelParams,
  x: Float64Array,
  n: number,
  out?: Float64Array,
  from = 0,
): Float64Array {
  const layout = kernelLayout(spec);
  validateParams(layout, params);
  checkPoints('x', x, n, layout.d);
  const w = inverseSquaredLengthscales(params);
  const { kind } = spec;
  const s2 = params.outputScale;
  const k = out ?? new Float64Array(packedLength(n));
  for (let i = from; i < n; i++) {
    const row = rowOffset(i);
    for (let j = 0; j < i; j++)
      k[row + j] = kernelFromR2(kind, s2, scaledDistance2(layout, w, x, i, x, j));
    k[row + i] = s2 + params.noise;
  }
  return k;
}

/**
 * Cross-covariance between m candidates and n training points (no noise).
 * @param x n×d, row-major, training inputs.
 * @param xc m×d, row-major, candidates.
 * @returns m×n, row-major: entry (c, i) = k(xc_c, x_i).
 */
export function crossCovariance(
  spec: KernelSpec,
  params: KernelParams,
  x: Float64Array,
  n: number,
  xc: Float64Array,
  m: number,
): Float64Array {
  const layout = kernelLayout(spec);
  validateParams(layout, params);
  checkPoints('x', x, n, layout.d);
  checkPoints('xc', xc, m, layout.d);
  const out = new Float64Array(m * n);
  crossCovarianceInto(
    layout,
    spec.kind,
    params,
    inverseSquaredLengthscales(params),
    x,
    n,
    xc,
    0,
    m,
    out,
  );
  return out;
}

/** Unchecked core of {@link crossCovariance}: rows c0..c0+rows of xc into out (rows×n). */
export function crossCovarianceInto(
  layout: KernelLayout,
  kind: KernelKind,
  params: KernelParams,
  w: Float64Array,
  x: Float64Array,
  n: number,
  xc: Float64Array,
  c0: number,
  rows: number,
  out: Float64Array,
): void {
  const s2 = params.outputScale;
  for (let c = 0; c < rows; c++) {
    const o = c * n;
    for (let i = 0; i < n; i++) {
      out[o + i] = kernelFromR2(kind, s2, scaledDistance2(layout, w, xc, c0 + c, x, i));
    }
  }
}
