/// <reference lib="webworker" />
import {
  type ImportanceTrial,
  importanceCaveats,
  importanceReport,
  type ParamImportance,
} from '@webtune/analysis';
import type { SpaceJSON } from '@webtune/core';

/*
 * Fits the importances (a GP fit: O(n³), up to seconds) on its own thread, so the study worker's
 * trials never wait for it. Started by the study worker.
 */

/** A request: fit `trials` (complete ones) in `space`; the Monte Carlo sample is seeded by `seed`. */
export interface ImportanceRequest {
  id: number;
  trials: ImportanceTrial[];
  space: SpaceJSON;
  seed: number;
}

/** The answer to request `id`: the importances and what to know before trusting them, or the error message. */
export type ImportanceResponse =
  | { id: number; params: ParamImportance[]; caveats: string[] }
  | { id: number; error: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<ImportanceRequest>) => {
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
