import { TopKHeap } from '../cpuBackend.js';
import type { TopK } from '../types.js';

/** How a top k was certified. */
export interface Certificate {
  /** Where the returned values were computed: 'webgpu' (df64 on the device) or 'cpu' (f64). */
  on: 'webgpu' | 'cpu';
  /** Candidates whose exact posterior was computed; every other one was excluded by its bound. */
  exact: number;
  /** Rounds of exact scoring (each a batch of the candidates with the largest bounds). */
  rounds: number;
  /** Why the call ran on the CPU, when it did. */
  reason?: string;
}

/** The sources {@link certifiedTopK} draws on. */
export interface CertifySources {
  /**
   * The `count` candidates with the largest upper bounds on their acquisition, largest first
   * (ties: lower index first), and those bounds. A bound may be +∞ (e.g. for NaN inputs).
   */
  top(count: number): Promise<{ index: Uint32Array; bound: Float64Array }>;
  /** The exact acquisition values of the listed candidates. */
  exact(index: Uint32Array): Promise<Float64Array>;
}

/**
 * The exact top k of m candidates from upper bounds on their acquisition: candidates are scored
 * exactly in decreasing order of bound — `initial` first, then four times as many each round —
 * until the k-th best exact value is above the largest bound not scored yet. So the result is
 * what exact scoring of all m gives (same values, same order, ties to the lower index), as long
 * as every bound holds; the CPU's scoreTopKSync does the same with its own bound.
 */
export async function certifiedTopK(
  m: number,
  k: number,
  initial: number,
  sources: CertifySources,
): Promise<TopK & { exact: number; rounds: number }> {
  const heap = new TopKHeap(k);
  const scored = new Uint8Array(m);
  let exact = 0;
  let rounds = 0;
  let batch = Math.min(m, Math.max(initial, k, 1));
  for (;;) {
    const { index, bound } = await sources.top(Math.min(m, batch + 1));
    const fresh = index.subarray(0, Math.min(batch, index.length)).filter((i) => !scored[i]);
    if (fresh.length > 0) {
      const values = await sources.exact(fresh);
      for (let t = 0; t < fresh.length; t++) {
        heap.push(values[t]!, fresh[t]!);
        scored[fresh[t]!] = 1;
      }
      exact += fresh.length;
    }
    rounds++;
    if (batch >= m) break;
    const next = bound[batch]!;
    if (next < heap.threshold()) break;
    batch = Math.min(m, batch * 4);
  }
  return { ...heap.result(), exact, rounds };
}
