// The worker thread of `webtune run --isolate` (see isolate.ts): loads the study module and runs
// one trial at a time, the objective's calls on its trial answered by the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { Trial } from '@webtune/core';
import { errorMessage } from './errors.js';
import { createTrialGuard } from './guard.js';
import type { ToMain, ToWorker } from './isolate.js';
import { loadStudyModule } from './studyModule.js';

const port = parentPort!;
const post = (message: ToMain) => port.postMessage(message);
const decoder = new TextDecoder();

/** The trial running now, to abort its signal. */
let current: AbortController | undefined;
const guard = createTrialGuard((message) => post({ type: 'warning', message }));

/**
 * Calls `method` on the trial in the main thread and waits for the answer: the objective calls
 * `report`, `shouldPrune` and `setUserAttr` synchronously, so this thread blocks on the channel
 * until the main thread has written the result (or the error) there.
 */
function callMain(number: number, method: string, args: unknown[]): unknown {
  const channel: SharedArrayBuffer = workerData.channel;
  const header = new Int32Array(channel, 0, 2);
  Atomics.store(header, 0, 0);
  post({ type: 'call', number, method, args });
  Atomics.wait(header, 0, 0);
  const text = decoder.decode(new Uint8Array(channel, 8, Atomics.load(header, 1)));
  const answer = text === '' ? undefined : JSON.parse(text);
  if (Atomics.load(header, 0) === 2) {
    const error = new Error(answer.message);
    error.name = answer.name;
    throw error;
  }
  return answer;
}

async function runTrial(
  objective: (params: never, trial: Trial) => unknown,
  message: Extract<ToWorker, { type: 'run' }>,
): Promise<void> {
  const { number, params } = message;
  post({ type: 'started' });
  const controller = new AbortController();
  current = controller;
  const trial: Trial = Object.freeze({
    number,
    params,
    signal: controller.signal,
    report: (step: number, value: number) => void callMain(number, 'report', [step, value]),
    shouldPrune: () => callMain(number, 'shouldPrune', []) as boolean,
    setUserAttr: (key: string, value: unknown) =>
      void callMain(number, 'setUserAttr', [key, value]),
  });
  // A trial whose promise waits on nothing lets this thread's loop drain: the guard fails it then.
  port.unref();
  try {
    const value = await guard.run(number, () => objective(params as never, trial));
    try {
      post({ type: 'done', value });
    } catch {
      post({ type: 'done', value: String(value) }); // not cloneable: its text
    }
  } catch (error) {
    post({
      type: 'threw',
      message: errorMessage(error),
      name: error instanceof Error ? error.name : 'Error',
    });
  } finally {
    current = undefined;
    port.ref();
  }
}

try {
  const module = await loadStudyModule(workerData.path);
  port.on('message', (message: ToWorker) => {
    if (message.type === 'abort') current?.abort(new Error(message.reason));
    else void runTrial(module.objective as never, message);
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', message: errorMessage(error) });
}
