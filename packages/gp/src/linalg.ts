/*
 * Dense Cholesky factorisation and triangular solves, row-major Float64Array.
 * Every inner loop runs over contiguous memory (a row prefix of L, or a contiguous vector).
 */

/** Σ_{t<len} a[oa + t]·b[ob + t], with four accumulators (a single one is latency-bound). */
export function dot(a: Float64Array, oa: number, b: Float64Array, ob: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 3 < len; t += 4) {
    s0 += a[oa + t]! * b[ob + t]!;
    s1 += a[oa + t + 1]! * b[ob + t + 1]!;
    s2 += a[oa + t + 2]! * b[ob + t + 2]!;
    s3 += a[oa + t + 3]! * b[ob + t + 3]!;
  }
  for (; t < len; t++) s0 += a[oa + t]! * b[ob + t]!;
  return s0 + s1 + (s2 + s3);
}

/** Jitter multipliers tried in turn, relative to the mean diagonal of the matrix. */
export const JITTER_SCHEDULE: readonly number[] = [
  1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2,
];

/** Smallest accepted pivot, relative to the diagonal entry it came from. */
export const PIVOT_TOLERANCE = 1e-12;

/**
 * Lower Cholesky factor of (a + jitter·I) written into `l` (n×n row-major, upper triangle set to 0).
 * Returns false when a pivot is ≤ PIVOT_TOLERANCE × its diagonal entry (or not finite): the
 * matrix is not numerically positive definite.
 * `l` may alias `a` (in-place factorisation).
 */
export function choleskyInto(a: Float64Array, n: number, l: Float64Array, jitter = 0): boolean {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      // Four partial sums: the dot product is latency-bound with a single accumulator.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < j; k += 4) {
        s0 += l[ri + k]! * l[rj + k]!;
        s1 += l[ri + k + 1]! * l[rj + k + 1]!;
        s2 += l[ri + k + 2]! * l[rj + k + 2]!;
        s3 += l[ri + k + 3]! * l[rj + k + 3]!;
      }
      for (; k < j; k++) s0 += l[ri + k]! * l[rj + k]!;
      let s = a[ri + j]! - (s0 + s1 + (s2 + s3));
      if (j === i) {
        s += jitter;
        // A pivot below 1e-12 of the diagonal means the matrix is numerically singular
        // (duplicate points without noise): it would "succeed" on round-off alone.
        if (!(s > PIVOT_TOLERANCE * (a[ri + i]! + jitter)) || !Number.isFinite(s)) return false;
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j]!;
      }
    }
    for (let j = i + 1; j < n; j++) l[ri + j] = 0;
  }
  return true;
}

/**
 * Cholesky factor L (lower, L·Lᵀ = a + jitter·I) with a jitter schedule: first no jitter, then
 * {@link JITTER_SCHEDULE} × mean(diag a) until the factorisation succeeds.
 * @param a n×n, row-major, symmetric (only the lower triangle is read).
 * @returns `l` n×n row-major lower factor; `jitter` the absolute amount added to the diagonal
 * (0 when none was needed).
 * @throws when even the largest jitter (1e-2 × mean diagonal) fails, or a is not finite.
 */
export function cholesky(
  a: Float64Array,
  n: number,
  out?: Float64Array,
): { l: Float64Array; jitter: number } {
  if (!Number.isInteger(n) || n < 0) throw new Error(`cholesky: n (${n}) must be an integer ≥ 0`);
  if (a.length < n * n) throw new Error(`cholesky: a has length ${a.length}, needs n×n = ${n * n}`);
  const l = out ?? new Float64Array(n * n);
  const jitter = choleskyWithJitter(a, n, l);
  if (jitter < 0) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += a[i * n + i]!;
    mean /= Math.max(n, 1);
    throw new Error(
      `cholesky: matrix (n = ${n}, mean diagonal ${mean}) is not positive definite even with jitter ${JITTER_SCHEDULE.at(-1)}× the mean diagonal`,
    );
  }
  return { l, jitter };
}

/** Like {@link cholesky} but never throws: returns the jitter used, or −1 when all attempts failed. */
export function choleskyWithJitter(a: Float64Array, n: number, l: Float64Array): number {
  if (a === l) throw new Error('choleskyWithJitter: l must not alias a (a is re-read on retry)');
  if (choleskyInto(a, n, l, 0)) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[i * n + i]!;
  mean /= Math.max(n, 1);
  if (!(mean > 0) || !Number.isFinite(mean)) return -1;
  for (const rel of JITTER_SCHEDULE) {
    const jitter = rel * mean;
    if (choleskyInto(a, n, l, jitter)) return jitter;
  }
  return -1;
}

/** Solves L x = b by forward substitution. L n×n row-major lower. Returns x (new, or `out`). */
export function solveLower(
  l: Float64Array,
  n: number,
  b: Float64Array,
  out?: Float64Array,
): Float64Array {
  const x = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    x[i] = (b[i]! - dot(l, ri, x, 0, i)) / l[ri + i]!;
  }
  return x;
}

/**
 * Solves Lᵀ x = b (back substitution with the transpose of a lower factor), L n×n row-major
 * lower. Column-oriented so that it reads rows of L contiguously. Returns x (new, or `out`;
 * `out` may alias `b`).
 */
export function solveLowerTransposed(
  l: Float64Array,
  n: number,
  b: Float64Array,
  out?: Float64Array,
): Float64Array {
  const x = out ?? new Float64Array(n);
  if (x !== b) x.set(b.subarray(0, n));
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = x[i]! / l[ri + i]!;
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] = x[k]! - l[ri + k]! * xi;
  }
  return x;
}

/** Solves U x = b for U n×n row-major upper triangular (lower triangle ignored). */
export function solveUpper(
  u: Float64Array,
  n: number,
  b: Float64Array,
  out?: Float64Array,
): Float64Array {
  const x = out ?? new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= u[ri + k]! * x[k]!;
    x[i] = s / u[ri + i]!;
  }
  return x;
}

/** Solves (L Lᵀ) x = b given the lower Cholesky factor L. Returns x (new, or `out`). */
export function choleskySolve(
  l: Float64Array,
  n: number,
  b: Float64Array,
  out?: Float64Array,
): Float64Array {
  const x = solveLower(l, n, b, out);
  return solveLowerTransposed(l, n, x, x);
}

/** log det(L Lᵀ) = 2 Σ log L_ii. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]!);
  return 2 * s;
}

/**
 * (L Lᵀ)⁻¹ from the lower factor L, n×n row-major, full symmetric.
 * `work` (n×n) receives U = L⁻ᵀ row-major (row j of U is column j of L⁻¹), so every product
 * below is a dot product of contiguous row suffixes.
 */
export function inverseFromCholesky(
  l: Float64Array,
  n: number,
  out?: Float64Array,
  work?: Float64Array,
): Float64Array {
  const inv = out ?? new Float64Array(n * n);
  const u = work ?? new Float64Array(n * n);
  // Column j of L⁻¹: forward substitution on e_j, nonzero only from row j on.
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    for (let i = 0; i < j; i++) u[rj + i] = 0;
    u[rj + j] = 1 / l[rj + j]!;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      u[rj + i] = -dot(l, ri + j, u, rj + j, i - j) / l[ri + i]!;
    }
  }
  // K⁻¹ = L⁻ᵀ L⁻¹: entry (p, q) = Σ_{k ≥ max(p,q)} U_pk U_qk.
  for (let p = 0; p < n; p++) {
    const rp = p * n;
    let q = 0;
    // Two rows q, q+1 at a time: each load of row p feeds two products.
    for (; q + 1 <= p; q += 2) {
      const rq = q * n;
      const rq1 = rq + n;
      let a0 = 0;
      let a1 = 0;
      let b0 = 0;
      let b1 = 0;
      let k = p;
      for (; k + 1 < n; k += 2) {
        const x0 = u[rp + k]!;
        const x1 = u[rp + k + 1]!;
        a0 += x0 * u[rq + k]!;
        b0 += x0 * u[rq1 + k]!;
        a1 += x1 * u[rq + k + 1]!;
        b1 += x1 * u[rq1 + k + 1]!;
      }
      if (k < n) {
        const x0 = u[rp + k]!;
        a0 += x0 * u[rq + k]!;
        b0 += x0 * u[rq1 + k]!;
      }
      const a = a0 + a1;
      const b = b0 + b1;
      inv[rp + q] = a;
      inv[rq + p] = a;
      inv[rp + q + 1] = b;
      inv[rq1 + p] = b;
    }
    for (; q <= p; q++) {
      const rq = q * n;
      const s = dot(u, rp + p, u, rq + p, n - p);
      inv[rp + q] = s;
      inv[rq + p] = s;
    }
  }
  return inv;
}
