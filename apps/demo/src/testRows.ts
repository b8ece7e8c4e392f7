import type { TrialRow } from './state.js';

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
    curve: valAccuracy === null ? [] : [valAccuracy],
    durationMs: 1,
    tfBackend: 'cpu',
    error: null,
  };
}
