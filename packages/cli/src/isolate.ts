import { Worker } from 'node:worker_threads';
import type { Objective, Trial } from '@webtune/core';
import { errorMessage } from './errors.js';

/** Messages from the main thread to a trial's worker. */
export type ToWorker =
  | { type: 'run'; number: number; params: Trial['params'] }
  | { type: 'abort'; reason: string };

/** Messages from a trial's worker to the main thread. */
export type ToMain =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'failed'; message: string }
  | { type: 'call'; number: number; method: string; args: unknown[] }
  | { type: 'done'; value: unknown }
  | { type: 'threw'; message: string; name: string }
  | { type: 'warning'; message: string };

/** Options of {@link isolatedObjective}. */
export interface IsolateOptions {
  /**
   * How long a trial may run on after its `trial.signal` aborted (the timeout, a Ctrl-C) before
   * its worker is terminated. Default {@link ISOLATE_GRACE_MS}.
   */
  graceMs?: number;
  /** Aborting it (a second Ctrl-C) terminates every running trial's worker at once. */
  force?: AbortSignal;
  /** Receives the warnings of the workers (an error raised by a trial that had finished). */
  onWarning?: (message: string) => void;
}

/** The default of {@link IsolateOptions.graceMs}. */
export const ISOLATE_GRACE_MS = 2000;

/** What a trial's attempt resolves to when its worker ended before the trial began. */
const UNSTARTED = Symbol('unstarted');

/** Bytes of an answer to a trial call; a longer one (a huge error message) is cut. */
const ANSWER_BYTES = 64 * 1024;

/** The built worker, next to this module's chunk in dist/ (from src/, in tests, the built one too). */
const WORKER = new URL('../dist/isolateWorker.js', import.meta.url);

const encoder = new TextEncoder();

/** Writes the answer to a worker's call into its channel and wakes the worker. */
function answer(channel: SharedArrayBuffer, failed: boolean, value: unknown): void {
  const header = new Int32Array(channel, 0, 2);
  const body = new Uint8Array(channel, 8);
  let bytes = encoder.encode(JSON.stringify(value) ?? '');
  if (bytes.length > body.length) {
    bytes = encoder.encode(
      JSON.stringify(failed ? { ...(value as object), message: '(message too long)' } : null),
    );
  }
  body.set(bytes);
  Atomics.store(header, 1, bytes.length);
  Atomics.store(header, 0, failed ? 2 : 1);
  Atomics.notify(header, 0);
}

/** Calls one of the methods a worker may call on its trial. */
function callTrial(trial: Trial, method: string, args: unknown[]): unknown {
  if (method === 'report') return trial.report(args[0] as number, args[1] as number);
  if (method === 'shouldPrune') return trial.shouldPrune();
  if (method === 'setUserAttr') return trial.setUserAttr(args[0] as string, args[1]);
  throw new Error(`trial.${method} is not a method a worker may call`);
}

interface Slot {
  worker: Worker;
  /** Resolves once the module loaded in the worker; rejects with why it could not. */
  ready: Promise<void>;
}

/**
 * The objective of the study module at `path`, run in worker threads that can be stopped: each
 * trial runs in a worker thread (as many as trials run at once, reused from trial to trial, each
 * loading the module once), and the objective's `trial.report`, `shouldPrune` and
 * `setUserAttr` are answered by the real trial in this thread. A trial still running
 * `graceMs` after its `trial.signal` aborted (an objective that ignores the signal, a busy loop),
 * or when `force` aborts, has its worker terminated and fails with the reason; so does a trial
 * whose worker dies (`process.exit()` in the objective, out of memory). Errors the objective
 * raises outside its promise, and a promise that can never settle, fail its trial as in-process
 * (the worker runs the same guard). `destroy()` terminates the workers.
 */
export function isolatedObjective(
  path: string,
  options: IsolateOptions = {},
): { objective: Objective; destroy(): Promise<void> } {
  const { graceMs = ISOLATE_GRACE_MS, force, onWarning = (m: string) => console.warn(m) } = options;
  const idle: Slot[] = [];
  /** Every trial run in a worker, by number: a worker may call one after it finished. */
  const trials = new Map<number, Trial>();
  const all = new Set<Worker>();

  const spawn = (): Slot => {
    // The worker's calls on its trial are answered here: [state, length] as two Int32s, then the
    // answer's bytes (see `answer`). One call at a time: the worker waits for each answer.
    const channel = new SharedArrayBuffer(8 + ANSWER_BYTES);
    const worker = new Worker(WORKER, { workerData: { path, channel } });
    all.add(worker);
    // A worker that ends between trials (a finished trial's timer called process.exit()) is not reused.
    worker.once('exit', () => {
      all.delete(worker);
      const at = idle.findIndex((slot) => slot.worker === worker);
      if (at >= 0) idle.splice(at, 1);
    });
    // Also after their trial has finished: the trial's calls (a timer's trial.report, which the
    // trial then refuses) and warnings (an error raised by such a timer).
    worker.on('message', (message: ToMain) => {
      if (message.type === 'warning') onWarning(message.message);
      if (message.type !== 'call') return;
      try {
        answer(
          channel,
          false,
          callTrial(trials.get(message.number)!, message.method, message.args),
        );
      } catch (error) {
        answer(channel, true, {
          name: error instanceof Error ? error.name : 'Error',
          message: errorMessage(error),
        });
      }
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: ToMain) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') reject(new Error(message.message));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`its worker exited (code ${code})`)));
    });
    ready.catch(() => undefined);
    return { worker, ready };
  };

  /**
   * Runs the trial on `slot`'s worker: resolves to its value, or to UNSTARTED when the worker ended
   * before it began the trial (an earlier trial's leftover timer called process.exit()).
   */
  const attempt = (slot: Slot, trial: Trial): Promise<number | typeof UNSTARTED> => {
    const { worker } = slot;
    let reusable = true;
    return new Promise<number | typeof UNSTARTED>((resolve, reject) => {
      let started = false;
      let grace: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        clearTimeout(grace);
        trial.signal.removeEventListener('abort', onAbort);
        force?.removeEventListener('abort', onForce);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const done = (value: number | typeof UNSTARTED) => {
        cleanup();
        resolve(value);
      };
      const fail = (error: Error) => {
        cleanup();
        reject(error);
      };
      const stop = (why: string) => {
        reusable = false;
        void worker.terminate();
        fail(new Error(why));
      };
      function onAbort() {
        const reason = errorMessage(trial.signal.reason);
        worker.postMessage({ type: 'abort', reason } satisfies ToWorker);
        grace = setTimeout(
          () =>
            stop(
              `terminated: the objective went on ${graceMs / 1000} s after trial.signal aborted (${reason})`,
            ),
          graceMs,
        );
      }
      function onForce() {
        stop(`terminated: ${errorMessage(force?.reason) || 'forced'} ended the trial at once`);
      }
      function onMessage(message: ToMain) {
        if (message.type === 'started') {
          started = true;
        } else if (message.type === 'done') {
          done(message.value as number);
        } else if (message.type === 'threw') {
          const error = new Error(message.message);
          error.name = message.name; // TrialPruned prunes the trial, by name
          fail(error);
        }
      }
      function onError(error: Error) {
        reusable = false;
        fail(new Error(`the trial's worker thread failed: ${errorMessage(error)}`));
      }
      function onExit(code: number) {
        reusable = false;
        if (!started) done(UNSTARTED);
        else {
          fail(
            new Error(
              `the trial's worker thread exited (code ${code}) before the objective returned`,
            ),
          );
        }
      }
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({
        type: 'run',
        number: trial.number,
        params: trial.params,
      } satisfies ToWorker);
      if (force?.aborted) onForce();
      else force?.addEventListener('abort', onForce, { once: true });
      if (trial.signal.aborted) onAbort();
      else trial.signal.addEventListener('abort', onAbort, { once: true });
    }).finally(() => {
      if (reusable) idle.push(slot);
    });
  };

  const objective: Objective = async (_params, trial) => {
    trials.set(trial.number, trial);
    for (let tries = 0; ; tries++) {
      const slot = idle.pop() ?? spawn();
      try {
        await slot.ready;
      } catch (error) {
        void slot.worker.terminate();
        throw new Error(`the study module did not load in a worker thread: ${errorMessage(error)}`);
      }
      const value = await attempt(slot, trial);
      if (value !== UNSTARTED) return value;
      if (tries === 2) {
        throw new Error('three worker threads in a row ended before the trial began in them');
      }
    }
  };

  return {
    objective,
    async destroy() {
      idle.length = 0;
      await Promise.all([...all].map((worker) => worker.terminate()));
    },
  };
}
