import { TopKHeap } from './cpuBackend.js';
import { packedLength } from './linalg.js';
import type { AcquisitionSpec, FittedGP, TopK } from './types.js';

/** The part of `node:worker_threads` used here (loaded lazily: browsers have no such module). */
interface NodeWorker {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  ref(): void;
  on(event: 'message', listener: (message: WorkerReply) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
interface WorkerReply {
  id: number;
  index?: Uint32Array;
  value?: Float64Array;
  error?: string;
}

/** Worker threads that score slices of the candidates; the calling thread scores one slice itself. */
export interface ScoringThreads {
  /** Threads in use, the calling one included. */
  readonly threads: number;
  /** The k best of m candidates, exactly as `scoreTopKSync` on all of them would rank them. */
  scoreTopK(
    gp: FittedGP,
    xc: Float64Array,
    m: number,
    acquisition: AcquisitionSpec,
    k: number,
    score: (gp: FittedGP, xc: Float64Array, m: number, acq: AcquisitionSpec, k: number) => TopK,
  ): Promise<TopK>;
  destroy(): void;
}

/** Threads worth using here: the machine's cores (Node's availableParallelism), at most 4; 1 outside Node. */
export async function defaultThreads(): Promise<number> {
  if (!isNode()) return 1;
  const os = await import(/* @vite-ignore */ 'node:os' as string);
  const cores =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, cores));
}

function isNode(): boolean {
  return (
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
      ?.node === 'string'
  );
}

/**
 * Starts `threads − 1` Node worker threads (they keep the process alive only while scoring), or
 * returns undefined outside Node or when workers cannot start. Each call copies the GP (x, the
 * packed factor, α) to every worker: O(n²) bytes, small next to the O(m·n·d + n²·exact) work.
 */
export async function createScoringThreads(threads: number): Promise<ScoringThreads | undefined> {
  if (threads < 2 || !isNode()) return undefined;
  let workers: NodeWorker[];
  try {
    const { Worker } = await import(/* @vite-ignore */ 'node:worker_threads' as string);
    const url = new URL('../worker/score.mjs', import.meta.url);
    workers = Array.from({ length: threads - 1 }, () => new Worker(url) as NodeWorker);
  } catch {
    return undefined;
  }
  let nextId = 0;
  const waiting = new Map<number, { resolve(t: TopK): void; reject(e: Error): void }>();
  // A worker keeps the process alive only while it has a job: ref'd when one is posted, unref'd
  // when its answer arrives (unref'd before the listeners are added, Node keeps it alive).
  const busy = new Map<number, NodeWorker>();
  for (const w of workers) {
    w.on('message', (reply) => {
      busy.get(reply.id)?.unref();
      busy.delete(reply.id);
      const entry = waiting.get(reply.id);
      if (!entry) return;
      waiting.delete(reply.id);
      if (reply.error !== undefined || !reply.index || !reply.value) {
        entry.reject(new Error(`scoring thread: ${reply.error ?? 'no result'}`));
      } else entry.resolve({ index: reply.index, value: reply.value });
    });
    w.on('error', (e) => {
      for (const entry of waiting.values()) entry.reject(e);
      waiting.clear();
      w.unref();
    });
    w.unref();
  }
  return {
    threads,
    async scoreTopK(gp, xc, m, acquisition, k, score) {
      const { n, d } = gp;
      // Candidates are dealt to the threads in runs of 4, round robin, so each gets a share of
      // every part of the set (the costly ones near the data sit together at its end).
      const rowsOf = (p: number) => {
        const rows: number[] = [];
        for (let r0 = 4 * p; r0 < m; r0 += 4 * threads) {
          for (let r = r0; r < Math.min(r0 + 4, m); r++) rows.push(r);
        }
        return rows;
      };
      const gather = (rows: readonly number[]) => {
        const out = new Float64Array(rows.length * d);
        rows.forEach((r, i) => {
          out.set(xc.subarray(r * d, (r + 1) * d), i * d);
        });
        return out;
      };
      const jobs: Promise<TopK>[] = [];
      // Shares 1… go to the workers; share 0 is scored here while they run.
      for (let p = 1; p < threads; p++) {
        const rows = rowsOf(p);
        if (rows.length === 0) break;
        const id = nextId++;
        const slice = gather(rows);
        const x = gp.x.slice(0, n * d);
        const chol = gp.chol.slice(0, packedLength(n));
        const alpha = gp.alpha.slice(0, n);
        const lengthscales = gp.params.lengthscales.slice();
        const job = {
          id,
          gp: {
            spec: gp.spec,
            params: { ...gp.params, lengthscales },
            n,
            d,
            jitter: gp.jitter,
            x,
            chol,
            alpha,
          },
          xc: slice,
          m: rows.length,
          acquisition,
          k: Math.min(k, rows.length),
        };
        jobs.push(
          new Promise<TopK>((resolve, reject) => {
            waiting.set(id, { resolve, reject });
          }).then((t) => ({ index: t.index.map((i) => rows[i]!), value: t.value })),
        );
        const worker = workers[p - 1]!;
        busy.set(id, worker);
        worker.ref();
        worker.postMessage(job, [slice.buffer, x.buffer, chol.buffer, alpha.buffer]);
      }
      const own = rowsOf(0);
      const mine = score(gp, gather(own), own.length, acquisition, Math.min(k, own.length));
      const all = [
        { index: mine.index.map((i) => own[i]!), value: mine.value },
        ...(await Promise.all(jobs)),
      ];
      const heap = new TopKHeap(k);
      for (const t of all)
        for (let i = 0; i < t.index.length; i++) heap.push(t.value[i]!, t.index[i]!);
      return heap.result();
    },
    destroy() {
      for (const w of workers) void w.terminate();
      for (const entry of waiting.values()) entry.reject(new Error('scoring threads: destroyed'));
      waiting.clear();
    },
  };
}
