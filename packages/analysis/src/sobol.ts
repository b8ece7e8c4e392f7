/*
 * Notation: N Monte Carlo base samples, D input dimensions, k input variables (groups of
 * dimensions swapped together, e.g. one categorical's one-hot block). A and B are N×D, row-major,
 * two independent samples of the same input distribution; AB_i is A with group i's dimensions
 * taken from B.
 */

/** The dimensions [start, start + size) of one input variable. */
export interface SobolGroup {
  start: number;
  size: number;
}

/** Evaluates f at m points (m×D, row-major); returns m values. */
export type BatchFunction = (points: Float64Array, m: number) => Float64Array;

/** Sobol indices of k input variables, in the order of the groups. */
export interface SobolIndices {
  /** k, first-order indices S_i = Var(E[f | x_i]) / Var(f) (Saltelli et al. 2010). */
  first: Float64Array;
  /** k, total indices ST_i = E[Var(f | x_~i)] / Var(f) (Jansen 1999). */
  total: Float64Array;
  /** Var(f) over the 2N points of A and B, in f's units squared; when it is 0 the indices are NaN. */
  variance: number;
  /** Mean of f over the 2N points of A and B. */
  mean: number;
}

/**
 * Monte Carlo first-order and total Sobol indices of f by pick-freeze: f is evaluated on A, on B
 * and on each AB_i, N·(k + 2) evaluations in all; then
 * S_i = mean(f(B)·(f(AB_i) − f(A))) / V and ST_i = mean((f(A) − f(AB_i))²) / (2V), with V the
 * variance of f over A ∪ B. Both estimators are exactly 0 for a variable f ignores, and their
 * error shrinks as 1/√N. The input variables must be independent under the sampling distribution.
 * @param a N×D, row-major. @param b N×D, row-major, drawn independently of `a`.
 * @throws when shapes disagree or a group leaves [0, D), before any evaluation; and when f returns
 * the wrong number of values.
 */
export function sobolIndices(
  f: BatchFunction,
  a: Float64Array,
  b: Float64Array,
  n: number,
  d: number,
  groups: readonly SobolGroup[],
): SobolIndices {
  if (!Number.isInteger(n) || n < 2)
    throw new Error(`sobolIndices: n (${n}) must be an integer ≥ 2`);
  if (!Number.isInteger(d) || d < 1)
    throw new Error(`sobolIndices: d (${d}) must be an integer ≥ 1`);
  for (const [name, m] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (!(m instanceof Float64Array) || m.length !== n * d) {
      throw new Error(`sobolIndices: ${name} has length ${m?.length}, expected n·d = ${n * d}`);
    }
  }
  groups.forEach((g, i) => {
    if (!(Number.isInteger(g.start) && Number.isInteger(g.size) && g.start >= 0 && g.size >= 1)) {
      throw new Error(
        `sobolIndices: groups[${i}] (${g.start}, ${g.size}) must be integers ≥ 0, ≥ 1`,
      );
    }
    if (g.start + g.size > d) {
      throw new Error(`sobolIndices: groups[${i}] ends at ${g.start + g.size}, past d = ${d}`);
    }
  });
  const call = (points: Float64Array): Float64Array => {
    const out = f(points, n);
    if (out.length !== n)
      throw new Error(`sobolIndices: f returned ${out.length} values for ${n} points`);
    return out;
  };
  const fa = call(a);
  const fb = call(b);
  let mean = 0;
  for (let j = 0; j < n; j++) mean += fa[j]! + fb[j]!;
  mean /= 2 * n;
  let variance = 0;
  for (let j = 0; j < n; j++) variance += (fa[j]! - mean) ** 2 + (fb[j]! - mean) ** 2;
  variance /= 2 * n;
  const first = new Float64Array(groups.length);
  const total = new Float64Array(groups.length);
  if (!(variance > 0)) {
    first.fill(Number.NaN);
    total.fill(Number.NaN);
    return { first, total, variance, mean };
  }
  const ab = new Float64Array(n * d);
  groups.forEach((g, i) => {
    ab.set(a);
    for (let j = 0; j < n; j++) {
      const o = j * d + g.start;
      for (let c = 0; c < g.size; c++) ab[o + c] = b[o + c]!;
    }
    const fab = call(ab);
    let s = 0;
    let t = 0;
    for (let j = 0; j < n; j++) {
      // Centring f(B) keeps the expectation (E[f(AB_i) − f(A)] = 0) and cuts the variance when |mean| ≫ σ.
      s += (fb[j]! - mean) * (fab[j]! - fa[j]!);
      t += (fa[j]! - fab[j]!) ** 2;
    }
    first[i] = s / n / variance;
    total[i] = t / (2 * n) / variance;
  });
  return { first, total, variance, mean };
}
