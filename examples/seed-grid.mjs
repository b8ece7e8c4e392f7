// The seed document's grid with its synthetic validation loss (benchmarks protocol: seed_grid).
// Run: webtune run examples/seed-grid.mjs --strategy exhaustive

/** 4 × 4 × 4 = 64 configurations. */
export const space = {
  lr: { type: 'categorical', choices: [0.001, 0.01, 0.1, 1] },
  batch: { type: 'categorical', choices: [32, 64, 128, 256] },
  hidden: { type: 'categorical', choices: [64, 128, 256, 512] },
};

export const direction = 'minimize';

/** The known minimum: lr 0.01, batch 32, hidden 256. */
export const fStar = 0.10937336327052119;

/** Evaluations per run in the quality benchmark. */
export const budget = 60;

/** Default number of trials for `webtune run`: the whole grid. */
export const trials = 64;

/** Synthetic validation loss; diverges (2.303 = ln 10) for lr 1 with small batches. */
export function objective({ lr, batch, hidden }) {
  const u = Math.log10(lr);
  const v = Math.log2(batch / 32);
  const w = Math.log2(hidden / 64);
  const du = u - (-2.3 + 0.35 * v);
  const dw = w - 2.3;
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: the protocol's constant is exactly 2.303, not ln 10
  const diverged = 2.303;
  let loss =
    lr === 1 && batch <= 64
      ? diverged
      : 0.1 + 0.08 * du * du + 0.03 * dw * dw + 0.012 * v + 0.01 * du * dw;
  loss += 0.003 * Math.sin(1.7 + 2.1 * u + 3.3 * v + 5.9 * w);
  return loss;
}
