/// <reference types="@webgpu/types" preserve="true" />

import type { GPFactor } from '../factor.js';
import { inverseSquaredLengthscales, kernelLayout } from '../kernel.js';
import { packedLength, rowOffset } from '../linalg.js';
import type { FittedGP, KernelParams, KernelSpec } from '../types.js';
import { split, splitInto } from './df64.js';
import { USAGE } from './layout.js';

/** Values per writeBuffer when uploading L (bounds the host's temporary f32 copy to 32 MiB). */
const UPLOAD_VALUES = 1 << 22;

/** The buffers of a model on the device, all vec2f (df64). */
export interface ResidentBuffers {
  /** Packed lower L, row i at i(i+1)/2, capacity rows. */
  readonly l: GPUBuffer;
  /** 1/L_ii, capacity. */
  readonly dinv: GPUBuffer;
  /** Training points, capacity×d. */
  readonly x: GPUBuffer;
  /** α = K⁻¹y, capacity. */
  readonly alpha: GPUBuffer;
  /** The kernel's weights and group layout (see KERNEL_WEIGHTS in df64.wgsl.ts). */
  readonly kw: GPUBuffer;
}

/** What {@link ResidentModel.load} did. */
export interface LoadStats {
  /** Rows of L (and points) written to the device by this load. */
  uploadedRows: number;
  /** Rows that were already on the device and kept. */
  keptRows: number;
}

/**
 * The df64 model (L, 1/diag L, points, α, kernel weights) kept on the device between calls.
 * A GP that is a view of a {@link GPFactor} already on the device uploads only the rows that
 * changed since (`factor.stableRows`): appending a trial costs one row of L, O(n), and dropping
 * fantasies nothing. Any other GP is uploaded whole, once (the same object is not uploaded again).
 */
export class ResidentModel {
  private bufs: ResidentBuffers | undefined;
  private capacity = 0;
  private d = 0;
  /** Valid rows on the device. */
  private rows = 0;
  private factor: GPFactor | undefined;
  private generation = -1;
  private gp: FittedGP | undefined;
  private spec: KernelSpec | undefined;
  private params: KernelParams | undefined;
  private alpha: Float64Array | undefined;
  /** The kernel weights as uploaded. */
  private weights: Float32Array | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly bindingLimit: number,
  ) {}

  /** Forgets what is on the device (after a failed call whose writes may be incomplete). */
  invalidate(): void {
    this.rows = 0;
    this.factor = undefined;
    this.gp = undefined;
    this.alpha = undefined;
  }

  destroy(): void {
    if (this.bufs) for (const b of Object.values(this.bufs)) b.destroy();
    this.bufs = undefined;
    this.capacity = 0;
    this.invalidate();
  }

  /** Makes `gp` the resident model, uploading what is not on the device yet. */
  load(gp: FittedGP): { buffers: ResidentBuffers; stats: LoadStats } {
    const { n, d } = gp;
    const bytes = packedLength(n) * 8;
    if (bytes > this.bindingLimit) {
      throw new Error(
        `webgpu: n (${n}) needs a packed df64 factor of ${bytes} bytes, more than the device allows in one storage binding (${this.bindingLimit} bytes); use backend 'cpu' or a device with a higher maxStorageBufferBindingSize`,
      );
    }
    const sameKernel = this.spec === gp.spec && this.params === gp.params && this.d === d;
    let keep = 0;
    if (sameKernel && this.bufs) {
      if (gp.factor && gp.factor === this.factor) {
        keep = Math.min(this.rows, gp.factor.stableRows(this.generation));
      } else if (this.gp === gp) {
        keep = this.rows;
      }
    }
    keep = Math.min(keep, Math.max(this.rows, 0));
    if (!sameKernel || !this.bufs) this.setKernel(gp.spec, gp.params, d);
    this.ensureCapacity(n, Math.min(keep, n));
    const bufs = this.bufs!;
    const from = Math.min(keep, n);
    if (from < n) this.writeRows(bufs, gp, from, n);
    if (this.alpha !== gp.alpha || keep < n) {
      const a = new Float32Array(2 * n);
      splitInto(gp.alpha, n, a);
      this.device.queue.writeBuffer(bufs.alpha, 0, a.buffer, 0, a.byteLength);
      this.alpha = gp.alpha;
    }
    // Rows past n that were kept stay valid as long as the factor does not cut them.
    this.rows = Math.max(n, keep);
    this.factor = gp.factor;
    this.generation = gp.factor?.generation ?? -1;
    this.gp = gp;
    return { buffers: bufs, stats: { uploadedRows: n - from, keptRows: from } };
  }

  /**
   * Buffers for a factorisation on the device (see deviceFactor.ts): the kernel weights and the
   * n points are written, L, 1/L_ii and α are left to the caller's shaders. Until they are, the
   * model is not a host GP's: the next {@link load} uploads in full.
   */
  prepare(spec: KernelSpec, params: KernelParams, x: Float64Array, n: number): ResidentBuffers {
    const d = kernelLayout(spec).d;
    const bytes = packedLength(n) * 8;
    if (bytes > this.bindingLimit) {
      throw new Error(
        `webgpu: n (${n}) needs a packed df64 factor of ${bytes} bytes, more than the device allows in one storage binding (${this.bindingLimit} bytes); use backend 'cpu' or a device with a higher maxStorageBufferBindingSize`,
      );
    }
    this.spec = undefined;
    this.setKernel(spec, params, d);
    this.ensureCapacity(n, 0);
    const bufs = this.bufs!;
    const pts = new Float32Array(2 * n * d);
    splitInto(x, n * d, pts);
    this.device.queue.writeBuffer(bufs.x, 0, pts.buffer, 0, pts.byteLength);
    // Not a host GP's model: spec and params are cleared so that load() starts over.
    this.spec = undefined;
    this.params = undefined;
    return bufs;
  }

  private setKernel(spec: KernelSpec, params: KernelParams, d: number): void {
    const layout = kernelLayout(spec);
    const { continuous, groups } = layout;
    const g = groups.length / 2;
    const w = inverseSquaredLengthscales(params);
    const kwv = new Float64Array(2 * (2 * d + 2 * g));
    continuous.forEach((dim, j) => {
      kwv[2 * dim] = w[j]!;
    });
    for (let q = 0; q < g; q++) {
      kwv[2 * (d + q)] = w[continuous.length + q]!;
      kwv[2 * (d + g + q)] = groups[2 * q]!;
      kwv[2 * (d + g + q) + 1] = groups[2 * q + 1]!;
    }
    for (let j = 0; j < d; j++) kwv[2 * (d + 2 * g + j)] = -1;
    continuous.forEach((dim, j) => {
      kwv[2 * (d + 2 * g + dim)] = j;
    });
    // df64 splits of the weights; the layout entries are small integers (exact in f32).
    const kw = new Float32Array(kwv.length);
    for (let i = 0; i < d + g; i++) {
      const [hi, lo] = split(kwv[2 * i]!);
      kw[2 * i] = hi;
      kw[2 * i + 1] = lo;
    }
    for (let i = 2 * (d + g); i < kwv.length; i++) kw[i] = kwv[i]!;
    if (this.d !== d) {
      // The points' layout changes: nothing on the device can be kept.
      this.destroy();
    }
    this.spec = spec;
    this.params = params;
    this.d = d;
    this.weights = kw;
    this.invalidate();
    if (this.bufs) this.writeWeights(this.bufs);
  }

  private writeWeights(bufs: ResidentBuffers): void {
    const kw = this.weights!;
    this.device.queue.writeBuffer(bufs.kw, 0, kw.buffer, 0, kw.byteLength);
  }

  /** Grows the buffers to hold n rows (by half again), copying the first `keep` rows on the device. */
  private ensureCapacity(n: number, keep: number): void {
    if (this.bufs && n <= this.capacity) return;
    const d = this.d;
    const rowsLimit = maxRows(this.bindingLimit);
    const cap = Math.min(Math.max(n, Math.ceil(this.capacity * 1.5), 16), Math.max(rowsLimit, n));
    const make = (label: string, bytes: number) =>
      this.device.createBuffer({
        label: `webtune-gp/resident-${label}`,
        size: Math.max(16, Math.ceil(bytes / 16) * 16),
        usage: USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC,
      });
    const kw = this.weights!;
    const next: ResidentBuffers = {
      l: make('l', packedLength(cap) * 8),
      dinv: make('dinv', cap * 8),
      x: make('x', cap * d * 8),
      alpha: make('alpha', cap * 8),
      kw: make('kw', kw.byteLength),
    };
    const old = this.bufs;
    if (old && keep > 0) {
      const encoder = this.device.createCommandEncoder({ label: 'webtune-gp/resident-grow' });
      const copy = (a: GPUBuffer, b: GPUBuffer, bytes: number) => {
        const size = Math.floor(bytes / 4) * 4;
        if (size > 0) encoder.copyBufferToBuffer(a, 0, b, 0, size);
      };
      copy(old.l, next.l, packedLength(keep) * 8);
      copy(old.dinv, next.dinv, keep * 8);
      copy(old.x, next.x, keep * d * 8);
      this.device.queue.submit([encoder.finish()]);
    }
    if (old) for (const b of Object.values(old)) b.destroy();
    this.bufs = next;
    this.capacity = cap;
    this.writeWeights(next);
  }

  /** Writes rows from…n−1 of L, 1/L_ii and the points. */
  private writeRows(bufs: ResidentBuffers, gp: FittedGP, from: number, n: number): void {
    const { chol, x, d } = gp;
    const start = rowOffset(from);
    const end = packedLength(n);
    for (let at = start; at < end; at += UPLOAD_VALUES) {
      const len = Math.min(UPLOAD_VALUES, end - at);
      const part = new Float32Array(2 * len);
      splitInto(chol.subarray(at, at + len), len, part);
      this.device.queue.writeBuffer(bufs.l, at * 8, part.buffer, 0, part.byteLength);
    }
    const dinv = new Float32Array(2 * (n - from));
    for (let i = from; i < n; i++) {
      const [hi, lo] = split(1 / chol[rowOffset(i) + i]!);
      dinv[2 * (i - from)] = hi;
      dinv[2 * (i - from) + 1] = lo;
    }
    this.device.queue.writeBuffer(bufs.dinv, from * 8, dinv.buffer, 0, dinv.byteLength);
    const pts = new Float32Array(2 * (n - from) * d);
    splitInto(x.subarray(from * d, n * d), (n - from) * d, pts);
    this.device.queue.writeBuffer(bufs.x, from * d * 8, pts.buffer, 0, pts.byteLength);
  }
}

/** Most rows whose packed df64 factor fits one binding of `limit` bytes. */
export function maxRows(limit: number): number {
  return Math.floor((Math.sqrt(1 + limit) - 1) / 2);
}
