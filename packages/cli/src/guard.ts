import { AsyncLocalStorage } from 'node:async_hooks';
import { errorMessage } from './errors.js';

/**
 * Keeps errors an objective does not return — an unhandled rejection, a throw inside a timer or
 * an event handler, `trial.report` after the trial returned — and promises that can never settle
 * from ending the process: each becomes the failure of the trial it belongs to, and the study
 * goes on. The process listeners stay while any guard of the process (or worker thread) is open.
 */
export interface TrialGuard {
  /**
   * Runs `call` as trial `number`: settles as `call` does, or rejects first when the guard fails
   * the trial (then `call` is left to itself, and its later outcome is ignored).
   */
  run<T>(number: number, call: () => T | Promise<T>): Promise<T>;
  /** Fails this guard's running trials with `reason` (a second Ctrl-C: their objectives are abandoned). */
  abandon(reason: string): void;
  /** Closes this guard; the last one open removes the process listeners. */
  close(): void;
}

/** The failure of a trial whose objective's promise could never settle. */
export const NEVER_SETTLED =
  "the objective's promise never settled: nothing it could wait for was left (no timer, I/O or other work pending)";

interface Owner {
  warn: (message: string) => void;
  /** The running trials, by number: how to fail each. */
  running: Map<number, (error: Error) => void>;
}

/** Which guard and trial the code running now belongs to: what a trial starts carries it along. */
const context = new AsyncLocalStorage<{ owner: Owner; number: number }>();
const open = new Set<Owner>();

const failAll = (message: string) => {
  for (const owner of open)
    for (const fail of [...owner.running.values()]) fail(new Error(message));
};

const stray = (kind: string) => (error: unknown) => {
  const message = errorMessage(error);
  const at = context.getStore();
  if (at !== undefined) {
    const fail = at.owner.running.get(at.number);
    if (fail !== undefined) fail(new Error(`${kind} in the objective: ${message}`));
    else {
      at.owner.warn(
        `trial ${at.number} had already finished when its objective raised an ${kind} (ignored): ${message}`,
      );
    }
  } else if ([...open].some((o) => o.running.size > 0)) {
    failAll(
      `${kind} while this trial ran, from code not traceable to one trial (every running trial fails): ${message}`,
    );
  } else {
    [...open].at(-1)?.warn(`${kind} outside any trial (ignored): ${message}`);
  }
};
const onException = stray('uncaught error');
const onRejection = stray('unhandled rejection');
const onDrained = () => {
  if (![...open].some((o) => o.running.size > 0)) return;
  failAll(NEVER_SETTLED);
  // What follows from the failures may all be promise callbacks: without one more turn of the
  // loop the process would exit before the study ends (or before the next hung trial is seen).
  setImmediate(() => {});
};

/**
 * Opens a guard of the trials run in this process (or worker thread). Which trial an error comes
 * from, AsyncLocalStorage says: what an objective starts (timers, promises, callbacks) carries its
 * guard and trial number. An error from a trial that has already finished goes to `warn` and is
 * otherwise ignored (the trial keeps its outcome); one whose trial cannot be told (a microtask
 * queued outside any trial's context) fails every running trial, or, with none running, goes to
 * the last opened guard's `warn`. When the event loop runs out of work ('beforeExit') while
 * trials are running, their promises can never settle: they fail with {@link NEVER_SETTLED}.
 */
export function createTrialGuard(warn: (message: string) => void): TrialGuard {
  const owner: Owner = { warn, running: new Map() };
  if (open.size === 0) {
    process.on('uncaughtException', onException);
    process.on('unhandledRejection', onRejection);
    process.on('beforeExit', onDrained);
  }
  open.add(owner);
  return {
    run<T>(number: number, call: () => T | Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const settle =
          <A>(how: (a: A) => void) =>
          (a: A) => {
            if (owner.running.get(number) !== fail) return;
            owner.running.delete(number);
            how(a);
          };
        const fail = settle(reject);
        owner.running.set(number, fail);
        context.run({ owner, number }, () => {
          try {
            Promise.resolve(call()).then(settle(resolve), fail);
          } catch (error) {
            fail(error as Error);
          }
        });
      });
    },
    abandon(reason) {
      for (const fail of [...owner.running.values()]) fail(new Error(reason));
    },
    close() {
      if (!open.delete(owner) || open.size > 0) return;
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
      process.off('beforeExit', onDrained);
    },
  };
}

/**
 * Runs `task` with a guard open, so the process listeners stay until it ends: a command holds one
 * while it writes its outputs after the run, when a finished trial's leftover timer may still
 * throw.
 */
export async function withTrialGuard<T>(
  warn: (message: string) => void,
  task: () => Promise<T>,
): Promise<T> {
  const guard = createTrialGuard(warn);
  try {
    return await task();
  } finally {
    guard.close();
  }
}
