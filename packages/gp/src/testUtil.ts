/** Deterministic uniform [0, 1) generator for the tests. */
export { mulberry32 as seeded } from './random.js';

export function uniform(count: number, random: () => number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = random();
  return out;
}

/** |a − b| / max(|b|, floor). */
export function relErr(a: number, b: number, floor = 1e-12): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), floor);
}
