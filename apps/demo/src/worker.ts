/// <reference lib="webworker" />
import { indexedDBStorage } from '@webtune/core/browser';
import { type Dataset, loadDigits } from '@webtune/harness';
import { findExample } from './examples.js';
import { type ComputeImportances, createImportanceScheduler } from './importances.js';
import type { ImportanceRequest, ImportanceResponse } from './importanceWorker.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { initialState, type RunState, runStudy } from './run.js';
import { checkStudy, discardStudy, listStudies, studyName } from './stored.js';

/*
 * The study runs here, off the page's main thread: TF.js training (on cpu it never yields) would
 * otherwise freeze the table, the chart and the Stop button. WebGPU and IndexedDB work in dedicated
 * workers. This worker owns the stored studies: it lists, opens and discards them.
 */

const scope = self as unknown as DedicatedWorkerGlobalScope;
let controller: AbortController | undefined;
let dataset: Promise<Dataset> | undefined;
/** The study being run (its database), while one runs. */
let running: string | undefined;

const post = (message: FromWorker) => scope.postMessage(message);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function postStudies(error: string | null = null): Promise<void> {
  try {
    post({ type: 'studies', studies: await listStudies(), error });
  } catch (listError) {
    post({ type: 'studies', studies: [], error: `listing stored studies: ${message(listError)}` });
  }
}

/** The importance fits, one at a time, in a worker of their own (a fit would stall training here). */
let importanceWorker: Worker | undefined;
let requests = 0;
const pending = new Map<
  number,
  { resolve: (r: ImportanceResponse) => void; reject: (e: Error) => void }
>();

function importanceCompute(space: ImportanceRequest['space'], seed: number): ComputeImportances {
  return async (trials) => {
    if (!importanceWorker) {
      const created = new Worker(new URL('./importanceWorker.ts', import.meta.url), {
        type: 'module',
      });
      created.onmessage = (event: MessageEvent<ImportanceResponse>) => {
        pending.get(event.data.id)?.resolve(event.data);
        pending.delete(event.data.id);
      };
      created.onerror = (event) => {
        event.preventDefault();
        for (const p of pending.values())
          p.reject(new Error(`importance worker: ${event.message}`));
        pending.clear();
        importanceWorker = undefined;
        created.terminate();
      };
      importanceWorker = created;
    }
    const id = ++requests;
    const response = await new Promise<ImportanceResponse>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      importanceWorker?.postMessage({ id, trials, space, seed } satisfies ImportanceRequest);
    });
    if ('error' in response) throw new Error(response.error);
    return { params: response.params, caveats: response.caveats };
  };
}

let cancelImportances: (() => void) | undefined;

async function start(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  controller = new AbortController();
  const state: RunState = { ...initialState(), adapter: m.adapter };
  const fail = (what: string, error: unknown) =>
    post({
      type: 'state',
      state: { ...state, settings: m.settings, state: 'error', error: `${what}${message(error)}` },
    });
  const name = studyName(m.settings);
  const warnings: string[] = [];
  let storage: ReturnType<typeof indexedDBStorage>;
  try {
    await checkStudy(name, m.resume);
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
  running = name;
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
    running = undefined;
    storage.close();
    await postStudies();
  }
}

scope.onmessage = async (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  if (m.type === 'stop') {
    controller?.abort(new Error('stopped by the user'));
  } else if (m.type === 'list') {
    await postStudies();
  } else if (m.type === 'discard') {
    if (m.name === running) {
      await postStudies(`study "${m.name}" is running: stop it before discarding it`);
      return;
    }
    try {
      await discardStudy(m.name);
      await postStudies();
    } catch (error) {
      await postStudies(message(error));
    }
  } else {
    await start(m);
  }
};
