import { acquisitionValues, acquisitionWithGradient } from './acquisition.js';
import { checkPoints, kernelLayout } from './kernel.js';
import { minimizeBounded } from './lbfgsb.js';
import { posteriorWithGradient } from './posterior.js';
import type { AcquisitionSpec, FittedGP } from './types.js';

/** Options of {@link polishAcquisition}. */
export interface PolishOptions {
  /** L-BFGS iterations per start (default 30). */
  maxIterations?: number;
  /** d, lower bounds of the box (default 0 everywhere: the unit cube). */
  lower?: Float64Array;
  /** d, upper bounds of the box (default 1 everywhere). */
  upper?: Float64Array;
  /**
   * d, 1 for dimensions held at their start value (discrete or conditional parameters).
   * Categorical dimensions of the kernel are always held: the acquisition is piecewise
   * constant in them.
   */
  fixed?: Uint8Array;
}

/**
 * Maximises the acquisition from s starting points by projected L-BFGS on its analytic input
 * gradient (through {@link posteriorWithGradient}), inside a box, holding fixed and categorical
 * dimensions. Each result is at least as good as its start.
 * @param starts s×d, row-major. @returns x s×d (row-major) and value s (acquisition at x).
 */
export function polishAcquisition(
  gp: FittedGP,
  acquisition: AcquisitionSpec,
  starts: Float64Array,
  s: number,
  options: PolishOptions = {},
): { x: Float64Array; value: Float64Array } {
  const d = gp.d;
  checkPoints('starts', starts, s, d);
  const layout = kernelLayout(gp.spec);
  const maxIterations = options.maxIterations ?? 30;
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new Error(`polishAcquisition: maxIterations (${maxIterations}) must be an integer ≥ 0`);
  }
  const lower = options.lower ?? new Float64Array(d);
  const upper = options.upper ?? new Float64Array(d).fill(1);
  for (const [name, b] of [
    ['lower', lower],
    ['upper', upper],
  ] as const) {
    if (b.length !== d)
      throw new Error(`polishAcquisition: ${name} has length ${b.length}, needs d = ${d}`);
  }
  if (options.fixed && options.fixed.length !== d) {
    throw new Error(`polishAcquisition: fixed has length ${options.fixed.length}, needs d = ${d}`);
  }
  const held = new Uint8Array(d).fill(1);
  for (const c of layout.continuous) held[c] = options.fixed?.[c] ? 1 : 0;
  // Validates the acquisition spec before any work (also when s = 0).
  acquisitionValues(acquisition, new Float64Array(0), new Float64Array(0));

  const x = new Float64Array(s * d);
  const value = new Float64Array(s);
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  const objective = (p: Float64Array, g: Float64Array): number => {
    const pg = posteriorWithGradient(gp, p);
    const a = acquisitionWithGradient(acquisition, pg.mean, pg.variance, pg.dMean, pg.dVariance);
    for (let j = 0; j < d; j++) g[j] = held[j] ? 0 : -a.grad[j]!;
    return -a.value;
  };
  for (let i = 0; i < s; i++) {
    const x0 = starts.slice(i * d, i * d + d);
    for (let j = 0; j < d; j++) {
      lo[j] = held[j] ? x0[j]! : lower[j]!;
      hi[j] = held[j] ? x0[j]! : upper[j]!;
      if (!held[j]) x0[j] = Math.min(hi[j]!, Math.max(lo[j]!, x0[j]!));
    }
    const r = minimizeBounded(objective, x0, {
      lower: lo,
      upper: hi,
      maxIterations,
      pgtol: 1e-9,
      maxStep: 0.1,
    });
    x.set(r.x, i * d);
    value[i] = -r.f;
  }
  return { x, value };
}
