/*
 * Dense Cholesky factorisation and triangular solves on packed lower-triangular storage:
 * row i of an n×n lower-triangular (or symmetric, lower half) matrix holds its i + 1 entries
 * (columns 0…i) at offset i(i+1)/2, so a factor of n rows takes n(n+1)/2 doubles and grows by
 * appending rows — what incremental conditioning (one new point = one new row) needs. Every
 * inner loop runs over contiguous memory (a row prefix, or a contiguous vector).
 */

/** Offset of row i in packed lower-triangular storage: i(i+1)/2. */
export function rowOffset(i: number): number {
  return (i * (i + 1)) / 2;
}

/** Length of packed lower-triangular storage for n rows: n(n+1)/2. */
export function packedLength(n: number): number {
  return (n * (n + 1)) / 2;
}

/** Packs the lower triangle of a full n×n row-major matrix. */
export function packLower(a: Float64Array, n: number, out?: Float64Array): Float64Array {
  const p = out ?? new Float64Array(packedLength(n));
  for (let i = 0; i < n; i++) p.set(a.subarray(i * n, i * n + i + 1), rowOffset(i));
  return p;
}

/** Unpacks packed lower storage into a full n×n row-major matrix (upper triangle 0, or mirrored when `symmetric`). */
export function unpackLower(l: Float64Array, n: number, symmetric = false): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = rowOffset(i);
    for (let j = 0; j <= i; j++) {
      a[i * n + j] = l[ri + j]!;
      if (symmetric) a[j * n + i] = l[ri + j]!;
    }
  }
  return a;
}

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
 * Rows `from`…n−1 of the lower Cholesky factor of (a + jitter·I), packed, written into `l`,
 * whose rows 0…from−1 must already hold the factor of a's leading block — so `from = n − 1`
 * appends one row to an existing factor in O(n²), and `from = 0` factorises from scratch.
 * Returns false when a pivot is ≤ PIVOT_TOLERANCE × its diagonal entry (or not finite): the
 * matrix is not numerically positive definite (rows from the failing one on are then garbage).
 * @param a packed symmetric (lower half), at least n rows. `l` may alias `a` (in place).
 */
export function choleskyInto(
  a: Float64Array,
  n: number,
  l: Float64Array,
  jitter = 0,
  from = 0,
): boolean {
  let i = from;
  // Blocks of up to 32 rows, four at a time against four earlier rows at a time (a 4×4 tile:
  // eight loads feed 16 multiply-adds), each group of four earlier rows read once per block while
  // it is in cache. Every entry is computed with exactly the operations of the one-row path
  // below, so a factor built by appending rows equals one built at once, bit for bit.
  while (i % 4 === 0 && i + 3 < n) {
    const rows = Math.min(32, (n - i) & ~3);
    const end = i + rows;
    for (let j = 0; j < end; j += 4) {
      // Rows j…j+3 inside the block: finish their diagonal block before the rows below use them.
      if (j >= i && !diagonalBlock(a, l, j, jitter)) return false;
      const r0 = rowOffset(j);
      const r1 = r0 + j + 1;
      const r2 = r1 + j + 2;
      const r3 = r2 + j + 3;
      for (let g = Math.max(i, j + 4); g < end; g += 4) tile(a, l, g, j, r0, r1, r2, r3);
    }
    i = end;
  }
  for (; i < n; i++) {
    const ri = rowOffset(i);
    let j = 0;
    // Four entries of row i at a time: the prefix dot products share each load of L_ik.
    for (; j + 3 < i; j += 4) {
      const r0 = rowOffset(j);
      const r1 = r0 + j + 1;
      const r2 = r1 + j + 2;
      const r3 = r2 + j + 3;
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
      finishTile(l, r0, r1, r2, r3, j, ri, s0, s1, s2, s3);
    }
    for (; j < i; j++) {
      const rj = rowOffset(j);
      l[ri + j] = (a[ri + j]! - dot(l, ri, l, rj, j)) / l[rj + j]!;
    }
    if (!pivot(a, l, ri, i, jitter)) return false;
  }
  return true;
}

/**
 * Entries j…j+3 of rows g…g+3 (a 4×4 tile below the diagonal, j + 3 < g), from rows j…j+3 at
 * offsets r0…r3, which are complete up to column j + 3.
 */
function tile(
  a: Float64Array,
  l: Float64Array,
  g: number,
  j: number,
  r0: number,
  r1: number,
  r2: number,
  r3: number,
): void {
  const o0 = rowOffset(g);
  const o1 = o0 + g + 1;
  const o2 = o1 + g + 2;
  const o3 = o2 + g + 3;
  let s00 = a[o0 + j]!;
  let s01 = a[o0 + j + 1]!;
  let s02 = a[o0 + j + 2]!;
  let s03 = a[o0 + j + 3]!;
  let s10 = a[o1 + j]!;
  let s11 = a[o1 + j + 1]!;
  let s12 = a[o1 + j + 2]!;
  let s13 = a[o1 + j + 3]!;
  let s20 = a[o2 + j]!;
  let s21 = a[o2 + j + 1]!;
  let s22 = a[o2 + j + 2]!;
  let s23 = a[o2 + j + 3]!;
  let s30 = a[o3 + j]!;
  let s31 = a[o3 + j + 1]!;
  let s32 = a[o3 + j + 2]!;
  let s33 = a[o3 + j + 3]!;
  for (let k = 0; k < j; k++) {
    const b0 = l[r0 + k]!;
    const b1 = l[r1 + k]!;
    const b2 = l[r2 + k]!;
    const b3 = l[r3 + k]!;
    const a0 = l[o0 + k]!;
    s00 -= a0 * b0;
    s01 -= a0 * b1;
    s02 -= a0 * b2;
    s03 -= a0 * b3;
    const a1 = l[o1 + k]!;
    s10 -= a1 * b0;
    s11 -= a1 * b1;
    s12 -= a1 * b2;
    s13 -= a1 * b3;
    const a2 = l[o2 + k]!;
    s20 -= a2 * b0;
    s21 -= a2 * b1;
    s22 -= a2 * b2;
    s23 -= a2 * b3;
    const a3 = l[o3 + k]!;
    s30 -= a3 * b0;
    s31 -= a3 * b1;
    s32 -= a3 * b2;
    s33 -= a3 * b3;
  }
  finishTile(l, r0, r1, r2, r3, j, o0, s00, s01, s02, s03);
  finishTile(l, r0, r1, r2, r3, j, o1, s10, s11, s12, s13);
  finishTile(l, r0, r1, r2, r3, j, o2, s20, s21, s22, s23);
  finishTile(l, r0, r1, r2, r3, j, o3, s30, s31, s32, s33);
}

/** The 4×4 diagonal block of rows i…i+3 (complete up to column i − 1), pivots included. */
function diagonalBlock(a: Float64Array, l: Float64Array, i: number, jitter: number): boolean {
  for (let r = i; r < i + 4; r++) {
    const ri = rowOffset(r);
    for (let j = i; j < r; j++) {
      const rj = rowOffset(j);
      l[ri + j] = (a[ri + j]! - dot(l, ri, l, rj, j)) / l[rj + j]!;
    }
    if (!pivot(a, l, ri, r, jitter)) return false;
  }
  return true;
}

/**
 * Entries j…j+3 of the row at offset `ri`, given s_t = a_{i,j+t} − Σ_{k<j} L_ik L_{j+t,k}: the
 * triangular solve with the 4×4 block of rows j…j+3 (at offsets r0…r3).
 */
function finishTile(
  l: Float64Array,
  r0: number,
  r1: number,
  r2: number,
  r3: number,
  j: number,
  ri: number,
  s0: number,
  s1: number,
  s2: number,
  s3: number,
): void {
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

/**
 * The diagonal entry of row i (at offset ri). A pivot below PIVOT_TOLERANCE of the diagonal means
 * the matrix is numerically singular (duplicate points without noise): it would "succeed" on
 * round-off alone, so it fails.
 */
function pivot(a: Float64Array, l: Float64Array, ri: number, i: number, jitter: number): boolean {
  const diag = a[ri + i]! + jitter;
  const p = diag - dot(l, ri, l, ri, i);
  if (!(p > PIVOT_TOLERANCE * diag) || !Number.isFinite(p)) return false;
  l[ri + i] = Math.sqrt(p);
  return true;
}

/** Mean of the diagonal of packed `a` (n rows). */
function meanDiagonal(a: Float64Array, n: number): number {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[rowOffset(i) + i]!;
  return mean / Math.max(n, 1);
}

/**
 * Lower Cholesky factor L (packed, L·Lᵀ = a + jitter·I) with a jitter schedule: first no
 * jitter, then {@link JITTER_SCHEDULE} × mean(diag a) until the factorisation succeeds.
 * @param a packed symmetric (lower half), n rows.
 * @returns `l` packed lower factor; `jitter` the absolute amount added to the diagonal
 * (0 when none was needed).
 * @throws when even the largest jitter (1e-2 × mean diagonal) fails, or a is not finite.
 */
export function cholesky(
  a: Float64Array,
  n: number,
  out?: Float64Array,
): { l: Float64Array; jitter: number } {
  if (!Number.isInteger(n) || n < 0) throw new Error(`cholesky: n (${n}) must be an integer ≥ 0`);
  if (a.length < packedLength(n)) {
    throw new Error(
      `cholesky: a has length ${a.length}, needs n(n+1)/2 = ${packedLength(n)} (packed lower triangle)`,
    );
  }
  const l = out ?? new Float64Array(packedLength(n));
  const jitter = choleskyWithJitter(a, n, l);
  if (jitter < 0) {
    throw new Error(
      `cholesky: matrix (n = ${n}, mean diagonal ${meanDiagonal(a, n)}) is not positive definite even with jitter ${JITTER_SCHEDULE.at(-1)}× the mean diagonal`,
    );
  }
  return { l, jitter };
}

/** Like {@link cholesky} but never throws: returns the jitter used, or −1 when all attempts failed. */
export function choleskyWithJitter(a: Float64Array, n: number, l: Float64Array): number {
  if (a === l) throw new Error('choleskyWithJitter: l must not alias a (a is re-read on retry)');
  if (choleskyInto(a, n, l, 0)) return 0;
  const mean = meanDiagonal(a, n);
  if (!(mean > 0) || !Number.isFinite(mean)) return -1;
  for (const rel of JITTER_SCHEDULE) {
    const jitter = rel * mean;
    if (choleskyInto(a, n, l, jitter)) return jitter;
  }
  return -1;
}

/**
 * Solves L x = b by forward substitution, L packed lower (rows `from`… only when x[0…from) already
 * holds the solution's first entries). Returns x (new, or `out`; `out` may alias `b`).
 */
export function solveLower(
  l: Float64Array,
  n: number,
  b: Float64Array,
  out?: Float64Array,
  from = 0,
): Float64Array {
  const x = out ?? new Float64Array(n);
  for (let i = from; i < n; i++) {
    const ri = rowOffset(i);
    x[i] = (b[i]! - dot(l, ri, x, 0, i)) / l[ri + i]!;
  }
  return x;
}

/**
 * Solves Lᵀ x = b (back substitution with the transpose of a packed lower factor).
 * Column-oriented so that it reads rows of L contiguously. Returns x (new, or `out`; `out` may
 * alias `b`).
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
    const ri = rowOffset(i);
    const xi = x[i]! / l[ri + i]!;
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] = x[k]! - l[ri + k]! * xi;
  }
  return x;
}

/** Solves U x = b for U n×n row-major upper triangular (full storage; lower triangle ignored). */
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

/** Solves (L Lᵀ) x = b given the packed lower Cholesky factor L. Returns x (new, or `out`). */
export function choleskySolve(
  l: Float64Array,
  n: number,
  b: Float64Array,
  out?: Float64Array,
): Float64Array {
  const x = solveLower(l, n, b, out);
  return solveLowerTransposed(l, n, x, x);
}

/** log det(L Lᵀ) = 2 Σ log L_ii, L packed lower. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[rowOffset(i) + i]!);
  return 2 * s;
}

/**
 * (L Lᵀ)⁻¹ from the packed lower factor L: its lower half, packed (the inverse is symmetric).
 * `work` (n×n) receives U = L⁻ᵀ row-major (row j of U is column j of L⁻¹), so every product
 * below is a dot product of contiguous row suffixes.
 */
export function inverseFromCholesky(
  l: Float64Array,
  n: number,
  out?: Float64Array,
  work?: Float64Array,
): Float64Array {
  const inv = out ?? new Float64Array(packedLength(n));
  const u = work ?? new Float64Array(n * n);
  // Columns j0..j0+3 of L⁻¹ together: forward substitution on e_j0..e_j0+3 (zero above row j),
  // interleaved in z so each L element feeds four independent sums.
  const z = new Float64Array(4 * n);
  for (let j0 = 0; j0 < n; j0 += 4) {
    const lanes = Math.min(4, n - j0);
    z.fill(0, 4 * j0);
    for (let i = j0; i < n; i++) {
      const ri = rowOffset(i);
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
  // K⁻¹ = L⁻ᵀ L⁻¹: entry (p, q) = Σ_{k ≥ max(p,q)} U_pk U_qk, for q ≤ p.
  for (let p = 0; p < n; p++) {
    const rp = p * n;
    const op = rowOffset(p);
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
      inv[op + q] = a0 + a1;
      inv[op + q + 1] = b0 + b1;
    }
    for (; q <= p; q++) inv[op + q] = dot(u, rp + p, u, q * n + p, n - p);
  }
  return inv;
}
