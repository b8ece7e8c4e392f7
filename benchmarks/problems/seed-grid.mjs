/**
 * The seed document's grid (lr × batch × hidden, 64 configurations) with the protocol's smooth
 * synthetic validation loss: the CLI's example module, named as the protocol names it.
 * f* = 0.10937336327052119 at lr = 0.01, batch = 32, hidden = 256.
 */
export { budget, direction, fStar, objective, space } from '../../examples/seed-grid.mjs';

export const name = 'seed_grid';
export const minimizers = [{ lr: 0.01, batch: 32, hidden: 256 }];

/** Noise-free: the same configuration always gives the same value. */
export const deterministic = true;
