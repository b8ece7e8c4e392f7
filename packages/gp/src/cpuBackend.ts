import { acquisitionValues } from './acquisition.js';
import { checkPoints } from './kernel.js';
import { posterior, posteriorInto } from './posterior.js';
import type { AcquisitionSpec, FittedGP, SurrogateBackend, TopK } from './types.js';

/** Candidates scored per block in scoreTopK (bounds the temporary memory to a few blocks). */
const BLOCK = 1024;

/**
 * The k largest of `values` (NaN counts as −∞), best first, by a size-k min-heap: O(m log k),
 * no full sort of m. Ties keep the lower index first.
 */
export function topK(values: Float64Array, k: number, offset = 0, heap?: TopKHeap): TopK {
  const h = heap ?? new TopKHeap(k);
  for (let i = 0; i < values.length; i++) h.push(values[i]!, offset + i);
  return h.result();
}

/** A bounded min-heap keeping the k largest values pushed into it. */
export class TopKHeap {
  private readonly idx: Uint32Array;
  private readonly val: Float64Array;
  private size = 0;
  constructor(private readonly k: number) {
    this.idx = new Uint32Array(k);
    this.val = new Float64Array(k);
  }
  /** a ranks below b: smaller value, or equal value and larger index. */
  private below(ia: number, ib: number): boolean {
    const va = this.val[ia]!;
    const vb = this.val[ib]!;
    return va < vb || (va === vb && this.idx[ia]! > this.idx[ib]!);
  }
  private swap(a: number, b: number): void {
    const v = this.val[a]!;
    this.val[a] = this.val[b]!;
    this.val[b] = v;
    const i = this.idx[a]!;
    this.idx[a] = this.idx[b]!;
    this.idx[b] = i;
  }
  push(value: number, index: number): void {
    const v = Number.isNaN(value) ? Number.NEGATIVE_INFINITY : value;
    if (this.k === 0) return;
    if (this.size < this.k) {
      let c = this.size++;
      this.val[c] = v;
      this.idx[c] = index;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!this.below(c, p)) break;
        this.swap(c, p);
        c = p;
      }
      return;
    }
    const root = this.val[0]!;
    if (v < root || (v === root && index > this.idx[0]!)) return;
    this.val[0] = v;
    this.idx[0] = index;
    let c = 0;
    for (;;) {
      const a = 2 * c + 1;
      const b = a + 1;
      let m = c;
      if (a < this.size && this.below(a, m)) m = a;
      if (b < this.size && this.below(b, m)) m = b;
      if (m === c) break;
      this.swap(c, m);
      c = m;
    }
  }
  /** The kept entries, best first. */
  result(): TopK {
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) =>
      this.below(a, b) ? 1 : this.below(b, a) ? -1 : 0,
    );
    return {
      index: Uint32Array.from(order, (i) => this.idx[i]!),
      value: Float64Array.from(order, (i) => this.val[i]!),
    };
  }
}

/**
 * The exact CPU backend (Float64Array): the reference every other backend is tested against,
 * and the fallback. `scoreTopK` streams candidates in blocks of 1024 through posterior and
 * acquisition into a size-k heap, so memory stays O(n + k + block) for any m.
 */
export function createCpuBackend(): SurrogateBackend {
  return {
    name: 'cpu',
    description: 'cpu: exact Float64Array reference (Cholesky, f64)',
    predict(gp: FittedGP, xc: Float64Array, m: number) {
      return Promise.resolve(posterior(gp, xc, m));
    },
    scoreTopK(gp: FittedGP, xc: Float64Array, m: number, acquisition: AcquisitionSpec, k: number) {
      return new Promise<TopK>((resolve) => {
        resolve(scoreTopKSync(gp, xc, m, acquisition, k));
      });
    },
    destroy() {},
  };
}

/**
 * Synchronous core of the CPU backend's scoreTopK: the k best of m candidates by acquisition.
 * @param xc m×d, row-major. @param k 0 ≤ k ≤ m.
 */
export function scoreTopKSync(
  gp: FittedGP,
  xc: Float64Array,
  m: number,
  acquisition: AcquisitionSpec,
  k: number,
): TopK {
  checkPoints('xc', xc, m, gp.d);
  if (!Number.isInteger(k) || k < 0 || k > m) {
    throw new Error(`scoreTopK: k (${k}) must be an integer in [0, m = ${m}]`);
  }
  // Validate the acquisition before the work starts.
  acquisitionValues(acquisition, new Float64Array(0), new Float64Array(0));
  const heap = new TopKHeap(k);
  const block = Math.min(BLOCK, Math.max(m, 1));
  const mean = new Float64Array(block);
  const variance = new Float64Array(block);
  const values = new Float64Array(block);
  const work = new Float64Array(4 * gp.n);
  for (let c0 = 0; c0 < m; c0 += block) {
    const rows = Math.min(block, m - c0);
    const mu = rows === block ? mean : mean.subarray(0, rows);
    const va = rows === block ? variance : variance.subarray(0, rows);
    const out = rows === block ? values : values.subarray(0, rows);
    posteriorInto(gp, xc, c0, rows, mu, va, work);
    acquisitionValues(acquisition, mu, va, out);
    for (let i = 0; i < rows; i++) heap.push(out[i]!, c0 + i);
  }
  return heap.result();
}
