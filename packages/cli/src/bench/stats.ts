/** Floor of log10 regret (the protocol's −12): regrets below 1e-12 count as solved. */
export const LOG_REGRET_FLOOR = -12;

/** log10(best − f*), floored at {@link LOG_REGRET_FLOOR} (a best below f* by rounding counts as 0 regret). */
export function logRegret(best: number, fStar: number): number {
  const r = best - fStar;
  if (!(r > 10 ** LOG_REGRET_FLOOR)) return LOG_REGRET_FLOOR;
  return Math.log10(r);
}

/** Best-so-far after each evaluation (minimisation): out[i] = min(values[0..i]); non-finite values are skipped. */
export function bestSoFar(values: readonly number[]): number[] {
  const out: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (const v of values) {
    if (Number.isFinite(v) && v < best) best = v;
    out.push(best);
  }
  return out;
}

/** The q-quantile (0 ≤ q ≤ 1) with linear interpolation between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Median and interquartile range (25th and 75th percentiles). */
export interface Summary {
  median: number;
  q1: number;
  q3: number;
}

export function summarize(values: readonly number[]): Summary {
  return { median: quantile(values, 0.5), q1: quantile(values, 0.25), q3: quantile(values, 0.75) };
}

/**
 * The 1-based evaluation at which `values` first came within `tolerance` of fStar, or undefined.
 * The tolerance is relative: |fStar|·1e-12 + 1e-12 by default (the optimum itself, up to rounding).
 */
export function firstHit(
  values: readonly number[],
  fStar: number,
  tolerance = 1e-12 * (1 + Math.abs(fStar)),
): number | undefined {
  for (let i = 0; i < values.length; i++) if (values[i]! <= fStar + tolerance) return i + 1;
  return undefined;
}

/** Median with "—" semantics for empty sets: NaN. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}
