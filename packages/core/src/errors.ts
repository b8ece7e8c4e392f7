/**
 * Thrown by an objective to stop its trial early (after `trial.shouldPrune()` said so). The trial
 * is recorded as pruned with its last reported intermediate value.
 */
export class TrialPruned extends Error {
  constructor(message = 'trial pruned') {
    super(message);
    this.name = 'TrialPruned';
  }
}

/** Whether `e` is a TrialPruned (by class, or by name when thrown by another copy of this package). */
export function isTrialPruned(e: unknown): boolean {
  return e instanceof TrialPruned || (e instanceof Error && e.name === 'TrialPruned');
}

/** The message of a thrown value: `error.message` for errors, `String(value)` otherwise. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  try {
    return String(e);
  } catch {
    return 'unknown error';
  }
}
