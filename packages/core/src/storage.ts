import type { FrozenTrial, Storage } from './types.js';

/**
 * Trials kept in memory, keyed by number. Creating an existing number or updating an unknown one
 * throws (a study bug). `getTrials()` returns them ordered by number.
 */
export function memoryStorage(): Storage {
  const trials = new Map<number, FrozenTrial>();
  return {
    async createTrial(trial) {
      if (trials.has(trial.number)) {
        throw new Error(`memoryStorage: trial ${trial.number} already exists`);
      }
      trials.set(trial.number, trial);
    },
    async updateTrial(trial) {
      if (!trials.has(trial.number)) {
        throw new Error(`memoryStorage: no trial ${trial.number} to update`);
      }
      trials.set(trial.number, trial);
    },
    async getTrials() {
      return [...trials.values()].sort((a, b) => a.number - b.number);
    },
  };
}
