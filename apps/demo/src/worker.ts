/// <reference lib="webworker" />
import { indexedDBStorage } from '@webtune/core/browser';
import { type Dataset, loadDigits } from '@webtune/harness';
import { findExample } from './examples.js';
import { importanceCompute } from './importanceClient.js';
import { createImportanceScheduler } from './importances.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { runStudy } from './run.js';
import { initialState, type RunState } from './state.js';
import { checkStudy } from './stored.js';

/*
 * The study runs here, off the page's main thread: TF.js training (on cpu it never yields) would
 * otherwise freeze the table, the chart and the Stop button. WebGPU and IndexedDB work in dedicated
 * workers. The page creates this worker when a study starts (so TF.js loads only then), and holds
 * the study's lock while it runs; listing and discarding stored studies is the page's.
 */

const scope = self as unknown as DedicatedWorkerGlobalScope;
let controller: AbortController | undefined;
let dataset: Promise<Dataset> | undefined;

const post = (message: FromWorker) => scope.postMessage(message);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

let cancelImportances: (() => void) | undefined;

async function start(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  controller = new AbortController();
  const state: RunState = { ...initialState(), adapter: m.adapter };
  const fail = (what: string, error: unknown) =>
    post({
      type: 'state',
      state: { ...state, settings: m.settings, state: 'error', error: `${what}${message(error)}` },
    });
  const name = m.name;
  const warnings: string[] = [];
  let storage: ReturnType<typeof indexedDBStorage>;
  try {
    if (m.resume) await checkStudy(name);
    storage = indexedDBStorage(name, { onWarning: (w) => warnings.push(w) });
  } catch (error) {
    fail('', error);
    return;
  }
  let data: Dataset;
  try {
    dataset ??= loadDigits(m.digitsUrl);
    data = await dataset;
  } catch (error) {
    dataset = undefined;
    storage.close();
    fail('loading the digits: ', error);
    return;
  }
  cancelImportances?.();
  const importances = createImportanceScheduler(
    importanceCompute(findExample(m.settings.example).space, m.settings.seed),
    (report) => {
      state.importances = { ...report };
      post({ type: 'state', state });
    },
  );
  cancelImportances = importances.cancel;
  try {
    await runStudy(m.settings, state, {
      dataset: data,
      signal: controller.signal,
      storage,
      studyName: name,
      warnings,
      onChange: (s) => {
        post({ type: 'state', state: s });
        importances.update(s.trials, s.state !== 'running');
      },
    });
  } finally {
    storage.close();
  }
}

scope.onmessage = async (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  if (m.type === 'stop') controller?.abort(new Error('stopped by the user'));
  else await start(m);
};
