import type { ComputeImportances } from './importances.js';
import type {
  ContourRequest,
  ContourResponse,
  ImportanceRequest,
  ImportanceResponse,
} from './importanceWorker.js';

/*
 * The client of the analysis worker (importanceWorker.ts): importances and contour grids, each a
 * GP fit, off the thread that asks (the study worker or the page).
 */

type Response = ImportanceResponse | ContourResponse;
let analysisWorker: Worker | undefined;
let requests = 0;
const pending = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();

function ask(message: ImportanceRequest | ContourRequest): Promise<Response> {
  if (!analysisWorker) {
    const created = new Worker(new URL('./importanceWorker.ts', import.meta.url), {
      type: 'module',
    });
    created.onmessage = (event: MessageEvent<Response>) => {
      pending.get(event.data.id)?.resolve(event.data);
      pending.delete(event.data.id);
    };
    created.onerror = (event) => {
      event.preventDefault();
      for (const p of pending.values()) p.reject(new Error(`analysis worker: ${event.message}`));
      pending.clear();
      analysisWorker = undefined;
      created.terminate();
    };
    analysisWorker = created;
  }
  const worker = analysisWorker;
  return new Promise<Response>((resolve, reject) => {
    pending.set(message.id, { resolve, reject });
    worker.postMessage(message);
  });
}

export function importanceCompute(
  space: ImportanceRequest['space'],
  seed: number,
): ComputeImportances {
  return async (trials) => {
    const response = (await ask({ id: ++requests, trials, space, seed })) as ImportanceResponse;
    if ('error' in response) throw new Error(response.error);
    return { params: response.params, caveats: response.caveats };
  };
}

/** The posterior mean of a GP fitted to the complete trials on a grid of two parameters. */
export async function contourGrid(
  request: Omit<ContourRequest, 'id' | 'kind'>,
): Promise<Extract<ContourResponse, { xs: unknown }>> {
  const response = (await ask({ ...request, id: ++requests, kind: 'contour' })) as ContourResponse;
  if ('error' in response) throw new Error(response.error);
  return response;
}
