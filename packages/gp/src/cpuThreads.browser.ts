// cpuThreads.ts in the `browser` build (see tsdown.config.ts): browsers have no Node worker
// threads, so the CPU backend scores every candidate on the calling thread.
import type { ScoringThreads } from './cpuThreads.js';

export type { ScoringThreads };

/** One thread: the calling one. */
export async function defaultThreads(): Promise<number> {
  return 1;
}

/** No worker threads in a browser build. */
export async function createScoringThreads(_threads: number): Promise<ScoringThreads | undefined> {
  return undefined;
}
