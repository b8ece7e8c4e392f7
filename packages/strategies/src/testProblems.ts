import type { Config, SpaceJSON } from '@webtune/space';

// Test fixtures (not exported by the package): two of the benchmark protocol's problems, as in
// examples/branin.mjs and examples/seed-grid.mjs.

/** Branin on x1 ∈ [−5, 10], x2 ∈ [0, 15]; minimum 5/(4π). */
export const BRANIN: SpaceJSON = {
  x1: { type: 'float', low: -5, high: 10 },
  x2: { type: 'float', low: 0, high: 15 },
};
export const BRANIN_MIN = 5 / (4 * Math.PI);
export function branin({ x1, x2 }: Config): number {
  const x = x1 as number;
  const y = x2 as number;
  const a = y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6;
  return a * a + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
}

/** The seed document's grid with the protocol's synthetic loss; minimum 0.10937… at lr 0.01, batch 32, hidden 256. */
export const SEED_GRID: SpaceJSON = {
  lr: { type: 'categorical', choices: [0.001, 0.01, 0.1, 1] },
  batch: { type: 'categorical', choices: [32, 64, 128, 256] },
  hidden: { type: 'categorical', choices: [64, 128, 256, 512] },
};
export function seedGrid({ lr, batch, hidden }: Config): number {
  const u = Math.log10(lr as number);
  const v = Math.log2((batch as number) / 32);
  const w = Math.log2((hidden as number) / 64);
  const du = u - (-2.3 + 0.35 * v);
  const dw = w - 2.3;
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: the protocol's constant is exactly 2.303, not ln 10
  const diverged = 2.303;
  const loss =
    lr === 1 && (batch as number) <= 64
      ? diverged
      : 0.1 + 0.08 * du * du + 0.03 * dw * dw + 0.012 * v + 0.01 * du * dw;
  return loss + 0.003 * Math.sin(1.7 + 2.1 * u + 3.3 * v + 5.9 * w);
}
