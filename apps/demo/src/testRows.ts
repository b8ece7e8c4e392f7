import type { TrialRow } from './run.js';

/** A trial-table row for unit tests: `valAccuracy` and `params` as given, the rest filler. */
export function row(
  number: number,
  state: TrialRow['state'],
  valAccuracy: number | null,
  params: TrialRow['params'] = {},
): TrialRow {
  return {
    number,
    params,
    state,
    valAccuracy,
    testAccuracy: null,
    epochs: 1,
    durationMs: 1,
    tfBackend: 'cpu',
    error: null,
  };
}
