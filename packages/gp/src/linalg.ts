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
    let j = 0;
    // Four entries of row i at a time: the prefix dot products share each load of L_ik.
    for (; j + 3 < i; j += 4) {
      const r0 = j * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = a[ri + j]!;
      let s1 = a[ri + j + 1]!;
      let s2 = a[ri + j + 2]!;
      let s3 = a[ri + j + 3]!;
      for (let k = 0; k < j; k++) {
        const lik = l[ri + k]!;
        s0 -= lik * l[r0 + k]!;
        s1 -= lik * l[r1 + k]!;
        s2 -= lik * l[r2 + k]!;
        s3 -= lik * l[r3 + k]!;
      }
      const v0 = s0 / l[r0 + j]!;
      l[ri + j] = v0;
      s1 -= v0 * l[r1 + j]!;
      const v1 = s1 / l[r1 + j + 1]!;
      l[ri + j + 1] = v1;
      s2 -= v0 * l[r2 + j]! + v1 * l[r2 + j + 1]!;
      const v2 = s2 / l[r2 + j + 2]!;
      l[ri + j + 2] = v2;
      s3 -= v0 * l[r3 + j]! + v1 * l[r3 + j + 1]! + v2 * l[r3 + j + 2]!;
      l[ri + j + 3] = s3 / l[r3 + j + 3]!;
    }
    for (; j < i; j++) {
      const rj = j * n;
      l[ri + j] = (a[ri + j]! - dot(l, ri, l, rj, j)) / l[rj + j]!;
    }
    // A pivot below PIVOT_TOLERANCE of the diagonal means the matrix is numerically singular
    // (duplicate points without noise): it would "succeed" on round-off alone.
    const diag = a[ri + i]! + jitter;
    const p = diag - dot(l, ri, l, ri, i);
    if (!(p > PIVOT_TOLERANCE * diag) || !Number.isFinite(p)) return false;
    l[ri + i] = Math.sqrt(p);
    for (let c = i + 1; c < n; c++) l[ri + c] = 0;
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
  // Columns j0..j0+3 of L⁻¹ together: forward substitution on e_j0..e_j0+3 (zero above row j),
  // interleaved in z so each L element feeds four independent sums.
  const z = new Float64Array(4 * n);
  for (let j0 = 0; j0 < n; j0 += 4) {
    const lanes = Math.min(4, n - j0);
    z.fill(0, 4 * j0);
    for (let i = j0; i < n; i++) {
      const ri = i * n;
      const zi = 4 * i;
      let s0 = i === j0 ? 1 : 0;
      let s1 = i === j0 + 1 ? 1 : 0;
      let s2 = i === j0 + 2 ? 1 : 0;
      let s3 = i === j0 + 3 ? 1 : 0;
      for (let k = j0; k < i; k++) {
        const a = l[ri + k]!;
        const zk = 4 * k;
        s0 -= a * z[zk]!;
        s1 -= a * z[zk + 1]!;
        s2 -= a * z[zk + 2]!;
        s3 -= a * z[zk + 3]!;
      }
      const inv = 1 / l[ri + i]!;
      z[zi] = s0 * inv;
      z[zi + 1] = s1 * inv;
      z[zi + 2] = s2 * inv;
      z[zi + 3] = s3 * inv;
    }
    for (let t = 0; t < lanes; t++) {
      const j = j0 + t;
      const rj = j * n;
      u.fill(0, rj, rj + j);
      for (let i = j; i < n; i++) u[rj + i] = z[4 * i + t]!;
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
