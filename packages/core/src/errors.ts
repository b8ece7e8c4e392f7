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

/**
 * The message of a thrown value: `error.message` for errors (its name when empty); a thrown
 * string itself; an object's string `message`; otherwise the value, saying it is no Error
 * (`{"code":3} (thrown: a plain object, not an Error)`), so `[object Object]` never stands for it.
 */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  try {
    if (typeof e === 'object' && e !== null) {
      const { message } = e as { message?: unknown };
      if (typeof message === 'string' && message !== '') return message;
      const proto = Object.getPrototypeOf(e);
      const kind =
        proto === Object.prototype || proto === null
          ? 'a plain object'
          : Array.isArray(e)
            ? 'an array'
            : `a ${proto?.constructor?.name ?? 'object'}`;
      let text: string;
      try {
        text = JSON.stringify(e) ?? String(e);
      } catch {
        text = String(e);
      }
      return `${text.length > 200 ? `${text.slice(0, 200)}…` : text} (thrown: ${kind}, not an Error)`;
    }
    const text = typeof e === 'bigint' ? `${e}n` : String(e);
    return `${text} (thrown: ${e === null ? 'null' : `a ${typeof e}`}, not an Error)`;
  } catch {
    return 'unknown error (thrown: a value that cannot be shown, not an Error)';
  }
}

/**
 * Thrown by `storage.updateTrial` for a trial that has already finished: a late or duplicate
 * tell, or a trial another worker failed as stale. Nothing was written.
 */
export class TrialFinishedError extends Error {
  constructor(
    readonly where: string,
    readonly number: number,
    readonly state: string,
  ) {
    super(`${where}: trial ${number} is already finished (${state}); nothing was written`);
    this.name = 'TrialFinishedError';
  }
}

/** Whether `e` is a TrialFinishedError (by class, or by name when thrown by another copy of this package). */
export function isTrialFinished(e: unknown): e is TrialFinishedError {
  return e instanceof TrialFinishedError || (e instanceof Error && e.name === 'TrialFinishedError');
}

/** Thrown by `storage.openStudy` with `loadIfExists: false` when the study is already stored. */
export class StudyExistsError extends Error {
  constructor(
    readonly where: string,
    /** `a study`, or `the study "name"`. */
    readonly study: string,
  ) {
    super(
      `${where} already holds ${study}; pass loadIfExists: true (webtune: the default) to resume it, or choose another name`,
    );
    this.name = 'StudyExistsError';
  }
}
