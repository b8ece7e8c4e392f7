/// <reference lib="webworker" />
import {
  type ImportanceTrial,
  importanceCaveats,
  importanceReport,
  type ParamImportance,
} from '@webtune/analysis';
import type { SpaceJSON } from '@webtune/core';
import { fitGP, mulberry32, posterior } from '@webtune/gp';
import { createSpace, type ParamValue } from '@webtune/space';
import { createModelEncoding } from '@webtune/strategies';

/*
 * Fits the importances and the contour plot's GP (each a GP fit: O(n³), up to seconds) on its
 * own thread, so neither the study worker's trials nor the page wait for it.
 */

/** A request: fit `trials` (complete ones) in `space`; the Monte Carlo sample is seeded by `seed`. */
export interface ImportanceRequest {
  id: number;
  trials: ImportanceTrial[];
  space: SpaceJSON;
  seed: number;
}

/**
 * A contour request: the posterior mean of a GP fitted to the complete `trials` (encoded as the
 * Bayesian strategy models them) on a `steps`×`steps` grid over parameters `x` and `y`, the
 * others held at `base` (the best trial's values).
 */
export interface ContourRequest {
  id: number;
  kind: 'contour';
  trials: ImportanceTrial[];
  space: SpaceJSON;
  seed: number;
  x: string;
  y: string;
  base: Record<string, ParamValue>;
  steps: number;
}

/** The contour grid: `xs` × `ys` values, `mean` row-major by y then x (ys.length × xs.length). */
export type ContourResponse =
  | { id: number; xs: ParamValue[]; ys: ParamValue[]; mean: number[] }
  | { id: number; error: string };

/** The values a grid axis takes: every choice, every int up to `steps`, else `steps` points (log-spaced for log parameters). */
export function axisValues(param: SpaceJSON[string], steps: number): ParamValue[] {
  if (param.type === 'categorical') return [...param.choices];
  const { low, high } = param;
  const log = param.log === true;
  const at = (t: number) =>
    log ? Math.exp(Math.log(low) + t * (Math.log(high) - Math.log(low))) : low + t * (high - low);
  const values = Array.from({ length: steps }, (_, i) => at(i / (steps - 1)));
  if (param.type === 'int') return [...new Set(values.map((v) => Math.round(v)))];
  return values;
}

function contour(r: ContourRequest): ContourResponse {
  const space = createSpace(r.space);
  const complete = r.trials.filter((t) => t.state === 'complete' && typeof t.value === 'number');
  if (complete.length < 2)
    throw new Error(`needs at least 2 complete trials, got ${complete.length}`);
  const D = space.dims;
  const n = complete.length;
  const x = new Float64Array(n * D);
  const y = new Float64Array(n);
  complete.forEach((t, j) => {
    x.set(space.encode(t.params as Record<string, ParamValue>), j * D);
    y[j] = t.value as number;
  });
  const encoding = createModelEncoding(space, 'matern52');
  const gp = fitGP(encoding.manyToModel(x, n), y, n, {
    kernel: encoding.kernel,
    random: mulberry32(r.seed ^ 0x5bd1e995),
  });
  const xs = axisValues(r.space[r.x]!, r.steps);
  const ys = axisValues(r.space[r.y]!, r.steps);
  const m = xs.length * ys.length;
  const points = new Float64Array(m * D);
  let k = 0;
  for (const vy of ys) {
    for (const vx of xs) points.set(space.encode({ ...r.base, [r.x]: vx, [r.y]: vy }), D * k++);
  }
  const { mean } = posterior(gp, encoding.manyToModel(points, m), m);
  return { id: r.id, xs, ys, mean: Array.from(mean, (v) => v * gp.yStd + gp.yMean) };
}

/** The answer to request `id`: the importances and what to know before trusting them, or the error message. */
export type ImportanceResponse =
  | { id: number; params: ParamImportance[]; caveats: string[] }
  | { id: number; error: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<ImportanceRequest | ContourRequest>) => {
  if ('kind' in event.data) {
    const request = event.data;
    try {
      scope.postMessage(contour(request));
    } catch (error) {
      scope.postMessage({
        id: request.id,
        error: (error as Error).message,
      } satisfies ContourResponse);
    }
    return;
  }
  const { id, trials, space, seed } = event.data;
  let response: ImportanceResponse;
  try {
    // 'auto': by total index when single parameters explain little (interactions dominate).
    const found = importanceReport(trials, space, { seed, measure: 'auto' });
    response = { id, params: found.params, caveats: importanceCaveats(found) };
  } catch (error) {
    response = { id, error: (error as Error).message };
  }
  scope.postMessage(response);
};
