import type { ComputeImportances } from './importances.js';
import type { ImportanceRequest, ImportanceResponse } from './importanceWorker.js';

/** The importance fits, one at a time, in a worker of their own (a fit would stall training here). */
let importanceWorker: Worker | undefined;
let requests = 0;
const pending = new Map<
  number,
  { resolve: (r: ImportanceResponse) => void; reject: (e: Error) => void }
>();

export function importanceCompute(
  space: ImportanceRequest['space'],
  seed: number,
): ComputeImportances {
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
