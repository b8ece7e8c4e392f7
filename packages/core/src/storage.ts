import { TrialFinishedError } from './errors.js';
import { applyChange, createdTrial, selectTrials } from './persist.js';
import type { FrozenTrial, Storage } from './types.js';

/**
 * Trials kept in memory, in an array indexed by number. It passes the storage conformance suite:
 * numbers allocated from 0 without gaps, changes only to running trials (a finished one throws
 * `TrialFinishedError`), `maxTrials` honoured. Not `concurrent`: one process holds it.
 */
export function memoryStorage(): Storage {
  const trials: FrozenTrial[] = [];
  /** Trials created as retries of failed ones (not counted against `maxTrials`). */
  let retries = 0;
  return {
    async createTrial(trial, options) {
      const max = options?.maxTrials;
      if (max !== undefined && trial.retryOf === undefined && trials.length - retries >= max) {
        return undefined;
      }
      const created = createdTrial(trials.length, trial);
      trials.push(created);
      if (trial.retryOf !== undefined) retries++;
      return created;
    },
    async updateTrial(number, change) {
      const old = trials[number];
      if (old === undefined) throw new Error(`memoryStorage: no trial ${number} to update`);
      if (old.state !== 'running') throw new TrialFinishedError('memoryStorage', number, old.state);
      trials[number] = applyChange(old, change);
    },
    async getTrials(options) {
      return selectTrials(trials, options);
    },
  };
}
