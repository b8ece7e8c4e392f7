/// <reference lib="webworker" />
import { type Dataset, loadDigits } from '@webtune/harness';
import type { FromWorker, ToWorker } from './protocol.js';
import { initialState, runStudy } from './run.js';

/*
 * The study runs here, off the page's main thread: TF.js training (on cpu it never yields) would
 * otherwise freeze the table, the chart and the Stop button. WebGPU works in dedicated workers.
 */

const scope = self as unknown as DedicatedWorkerGlobalScope;
let controller: AbortController | undefined;
let dataset: Promise<Dataset> | undefined;

const post = (message: FromWorker) => scope.postMessage(message);

scope.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'stop') {
    controller?.abort(new Error('stopped by the user'));
    return;
  }
  controller = new AbortController();
  const state = { ...initialState(), adapter: message.adapter };
  let data: Dataset;
  try {
    dataset ??= loadDigits(message.digitsUrl);
    data = await dataset;
  } catch (error) {
    dataset = undefined;
    post({
      type: 'state',
      state: { ...state, state: 'error', error: `loading the digits: ${(error as Error).message}` },
    });
    return;
  }
  await runStudy(message.settings, state, {
    dataset: data,
    signal: controller.signal,
    onChange: (s) => post({ type: 'state', state: s }),
  });
};
