import { acquisitionAt, KIND_CODE, resolveAcquisition } from './acquisition.js';
import { createScoringThreads, defaultThreads, type ScoringThreads } from './cpuThreads.js';
import {
  checkPoints,
  inverseSquaredLengthscales,
  kernelFromR2,
  kernelLayout,
  scaledDistance2,
} from './kernel.js';
import { choleskyInto, solveLower } from './linalg.js';
import { kernelRowsInto, posterior, VARIANCE_FLOOR, variances4 } from './posterior.js';
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
  /** The k-th best value so far, or −∞ while fewer than k values were pushed. */
  threshold(): number {
    return this.size < this.k || this.k === 0 ? Number.NEGATIVE_INFINITY : this.val[0]!;
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

/** Options of {@link createCpuBackend}. */
export interface CpuBackendOptions {
  /**
   * Threads that score candidates (default: in Node, the machine's cores, at most 4; elsewhere
   * 1). With more than one, a call whose work n·m reaches {@link THREAD_MIN_WORK} splits the
   * candidates between the calling thread and Node worker threads (started on first use); the
   * answer is the same as on one thread.
   */
  threads?: number;
}

/** n·m (training points × candidates) from which scoring is split between threads. */
export const THREAD_MIN_WORK = 1 << 20;

/**
 * The exact CPU backend (Float64Array): the reference every other backend is tested against,
 * and the fallback. `scoreTopK` streams candidates in blocks of 1024 into a size-k heap, so
 * memory stays O(n·block + k) for any m, and skips the variance solve of candidates that provably
 * cannot enter the top k (see {@link scoreTopKSync}); large calls use several threads.
 */
export function createCpuBackend(options: CpuBackendOptions = {}): SurrogateBackend {
  const wanted = options.threads;
  if (wanted !== undefined && !(Number.isInteger(wanted) && wanted >= 1)) {
    throw new Error(`threads: ${wanted} must be an integer ≥ 1`);
  }
  let pool: Promise<ScoringThreads | undefined> | undefined;
  let destroyed = false;
  const threads = () => {
    pool ??= (wanted === undefined ? defaultThreads() : Promise.resolve(wanted)).then((t) =>
      destroyed ? undefined : createScoringThreads(t),
    );
    return pool;
  };
  return {
    name: 'cpu',
    description: 'cpu: exact Float64Array reference (Cholesky, f64)',
    predict(gp: FittedGP, xc: Float64Array, m: number) {
      return Promise.resolve(posterior(gp, xc, m));
    },
    async scoreTopK(
      gp: FittedGP,
      xc: Float64Array,
      m: number,
      acquisition: AcquisitionSpec,
      k: number,
    ) {
      if (gp.n * m >= THREAD_MIN_WORK && wanted !== 1 && k <= m && Number.isInteger(k) && k >= 0) {
        checkPoints('xc', xc, m, gp.d);
        resolveAcquisition(acquisition);
        const t = await threads();
        if (t) return t.scoreTopK(gp, xc, m, acquisition, k, scoreTopKSync);
      }
      return scoreTopKSync(gp, xc, m, acquisition, k);
    },
    destroy() {
      destroyed = true;
      void pool?.then((t) => t?.destroy());
    },
  };
}

/** Counters of one {@link scoreTopKSync} call. */
export interface ScoreStats {
  /** Candidates whose exact variance (the O(n²) triangular solve) was computed. */
  exact: number;
}

/** Training points the variance bound of {@link scoreTopKSync} conditions on. */
const BOUND_POINTS = 16;

/**
 * Synchronous core of the CPU backend's scoreTopK: the k best of m candidates by acquisition,
 * exactly (the same values and order as sorting `acquisitionValues(posterior(...))`).
 *
 * The O(n²) variance solve is skipped for candidates that cannot enter the top k. Conditioning
 * on more data only lowers the variance, so the variance given the q = 16 training points most
 * correlated with a candidate (largest k_i; a q×q solve, O(q³ + n) per candidate) bounds its
 * variance from above; EI, log-EI and UCB increase with the variance (and PI does when
 * μ > best − ξ), so a(μ, v̄) bounds the acquisition. Candidates are solved in decreasing order of
 * that bound until the bound falls below the current k-th best value.
 * @param xc m×d, row-major. @param k 0 ≤ k ≤ m.
 */
export function scoreTopKSync(
  gp: FittedGP,
  xc: Float64Array,
  m: number,
  acquisition: AcquisitionSpec,
  k: number,
  stats?: ScoreStats,
): TopK {
  checkPoints('xc', xc, m, gp.d);
  if (!Number.isInteger(k) || k < 0 || k > m) {
    throw new Error(`scoreTopK: k (${k}) must be an integer in [0, m = ${m}]`);
  }
  const { target, sqrtBeta } = resolveAcquisition(acquisition);
  const code = KIND_CODE[acquisition.kind];
  const { n, params } = gp;
  const s2 = params.outputScale;
  const floor = VARIANCE_FLOOR * s2;
  // Slack on the bound so that round-off in the exact variance can never exceed it.
  const slack = 1e-10 * s2;
  const heap = new TopKHeap(k);
  const block = Math.min(BLOCK, Math.max(m, 1));
  const kRows = new Float64Array(block * n);
  const mean = new Float64Array(block);
  const bound = new Float64Array(block);
  const order = new Uint32Array(block);
  const v4 = new Float64Array(4);
  const z = new Float64Array(4 * n);
  const local = localVarianceBound(gp, Math.min(BOUND_POINTS, n));
  let exact = 0;
  for (let c0 = 0; c0 < m && k > 0; c0 += block) {
    const rows = Math.min(block, m - c0);
    kernelRowsInto(gp, xc, c0, rows, kRows, mean);
    for (let c = 0; c < rows; c++) {
      const vb = Math.max(local(kRows, c * n) + slack, floor);
      const mu = mean[c]!;
      const b =
        code === KIND_CODE.pi && mu <= target
          ? Number.POSITIVE_INFINITY
          : acquisitionAt(code, target, sqrtBeta, mu, vb);
      bound[c] = Number.isNaN(b) ? Number.POSITIVE_INFINITY : b;
      order[c] = c;
    }
    const ord = rows === block ? order : order.subarray(0, rows);
    ord.sort((a, b) => bound[b]! - bound[a]! || a - b);
    for (let p = 0; p < rows; p += 4) {
      const th = heap.threshold();
      if (bound[ord[p]!]! < th - 1e-12 * (1 + Math.abs(th))) break;
      const count = Math.min(4, rows - p);
      variances4(gp, kRows, ord, p, count, v4, z);
      exact += count;
      for (let t = 0; t < count; t++) {
        const c = ord[p + t]!;
        heap.push(acquisitionAt(code, target, sqrtBeta, mean[c]!, v4[t]!), c0 + c);
      }
    }
  }
  if (stats) stats.exact = exact;
  return heap.result();
}

/**
 * An upper bound on the posterior variance of a candidate from its kernel row k (n values at
 * `row[o…o+n)`): s² − k_Qᵀ K_QQ⁻¹ k_Q for the q training points Q with the largest k_i, K_QQ
 * their block of K (noise and jitter included) — the variance given those points only, which
 * more data can only lower. Falls back to the single-point bound s² − max k_i²/K_ii when the
 * q×q factorisation fails (near-duplicate points).
 */
function localVarianceBound(gp: FittedGP, q: number): (row: Float64Array, o: number) => number {
  const { n, params, spec } = gp;
  const s2 = params.outputScale;
  const kDiag = s2 + params.noise + gp.jitter;
  const layout = kernelLayout(spec);
  const w = inverseSquaredLengthscales(params);
  const top = new Int32Array(q);
  const topK = new Float64Array(q);
  const a = new Float64Array((q * (q + 1)) / 2);
  const v = new Float64Array(q);
  return (row, o) => {
    // The q largest entries, kept sorted descending by insertion.
    let size = 0;
    for (let i = 0; i < n; i++) {
      const t = row[o + i]!;
      if (size === q && t <= topK[q - 1]!) continue;
      let p = size < q ? size++ : q - 1;
      while (p > 0 && topK[p - 1]! < t) {
        topK[p] = topK[p - 1]!;
        top[p] = top[p - 1]!;
        p--;
      }
      topK[p] = t;
      top[p] = i;
    }
    const single = s2 - (topK[0]! * topK[0]!) / kDiag;
    if (size < 2) return single;
    for (let i = 0; i < size; i++) {
      const ri = (i * (i + 1)) / 2;
      for (let j = 0; j < i; j++) {
        a[ri + j] = kernelFromR2(
          spec.kind,
          s2,
          scaledDistance2(layout, w, gp.x, top[i]!, gp.x, top[j]!),
        );
      }
      a[ri + i] = kDiag;
    }
    if (!choleskyInto(a, size, a)) return single;
    solveLower(a, size, topK, v);
    let q2 = 0;
    for (let i = 0; i < size; i++) q2 += v[i]! * v[i]!;
    return Math.min(single, s2 - q2);
  };
}
