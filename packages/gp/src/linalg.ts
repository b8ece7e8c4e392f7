/*
 * Dense Cholesky factorisation and triangular solves, row-major Float64Array.
 * Every inner loop runs over contiguous memory (a row prefix of L, or a contiguous vector).
 */

/** Jitter multipliers tried in turn, relative to the mean diagonal of the matrix. */
export const JITTER_SCHEDULE: readonly number[] = [
  1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2,
];

/**
 * Lower Cholesky factor of (a + jitter·I) written into `l` (n×n row-major, upper triangle set to 0).
 * Returns false when a pivot is not positive (or not finite): the matrix is not numerically PD.
 * `l` may alias `a` (in-place factorisation).
 */
export function choleskyInto(a: Float64Array, n: number, l: Float64Array, jitter = 0): boolean {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      if (j === i) {
        s += jitter;
        if (!(s > 0) || !Number.isFinite(s)) return false;
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
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[ri + k]! * x[k]!;
    x[i] = s / l[ri + i]!;
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
      let s = 0;
      for (let k = j; k < i; k++) s -= l[ri + k]! * u[rj + k]!;
      u[rj + i] = s / l[ri + i]!;
    }
  }
  // K⁻¹ = L⁻ᵀ L⁻¹: entry (p, q) = Σ_{k ≥ max(p,q)} U_pk U_qk.
  for (let p = 0; p < n; p++) {
    const rp = p * n;
    for (let q = 0; q <= p; q++) {
      const rq = q * n;
      let s = 0;
      for (let k = p; k < n; k++) s += u[rp + k]! * u[rq + k]!;
      inv[rp + q] = s;
      inv[rq + p] = s;
    }
  }
  return inv;
}
