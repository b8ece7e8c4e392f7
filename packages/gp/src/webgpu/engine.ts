/// <reference types="@webgpu/types" preserve="true" />
import { kernelLayout } from '../kernel.js';
import { VARIANCE_FLOOR } from '../posterior.js';
import type { AcquisitionKind, AcquisitionSpec, KernelParams, KernelSpec } from '../types.js';
import { CHOLESKY_DIAGONAL, CHOLESKY_PANEL, CHOLESKY_UPDATE } from './cholesky.wgsl.js';
import { CROSS_COVARIANCE, KERNEL_MATRIX } from './kernelMatrix.wgsl.js';
import {
  MAP_MODE_READ,
  PARAMS_STRIDE,
  type ParamValues,
  packParams,
  type ShaderDef,
  USAGE,
} from './layout.js';
import { INVERSE_GRAM, LIKELIHOOD_GRADIENT, LIKELIHOOD_SLOTS } from './likelihood.wgsl.js';
import { getPipeline } from './pipelines.js';
import { POSTERIOR_GEMM, POSTERIOR_REDUCE } from './posterior.wgsl.js';
import { TOPK, TOPK_SEGMENT } from './topk.wgsl.js';
import { TRIANGULAR_INVERSE, TRIANGULAR_MATVEC } from './triangular.wgsl.js';

/** Matrices are padded to a multiple of the posterior GEMM's 64-wide tile. */
const TILE = 64;
/** Largest k the GPU top-k reduces (a pass must shrink 4096 values to k). */
export const GPU_TOPK_MAX = 1024;
/** Upper bound on one chunk's transposed cross-covariance buffer. */
const CHUNK_BYTES = 256 * 1024 * 1024;

const ACQ_CODE: Record<AcquisitionKind, number> = { ei: 0, logEI: 1, pi: 2, ucb: 3 };

const roundUp = (v: number, to: number) => Math.ceil(v / to) * to;

/** The kernel and training inputs of a model, in the layout the shaders read. */
export interface GpuKernel {
  readonly n: number;
  readonly nPad: number;
  readonly d: number;
  readonly groups: number;
  readonly kind: number;
  readonly outputScale: number;
  readonly noise: number;
  /**
   * d weights 1/ℓ² (0 on categorical dimensions), then (start, size, 1/ℓ_g²) per group, then
   * each dimension's lengthscale index (−1 inside a group).
   */
  readonly kp: Float32Array;
  /** n×d, row-major. */
  readonly x: Float32Array;
}

export function gpuKernel(
  spec: KernelSpec,
  params: KernelParams,
  x: Float64Array,
  n: number,
): GpuKernel {
  const layout = kernelLayout(spec);
  const { d, continuous, groups } = layout;
  const g = groups.length / 2;
  const kp = new Float32Array(2 * d + 3 * g).fill(-1, d + 3 * g);
  const ls = params.lengthscales;
  continuous.forEach((dim, j) => {
    kp[dim] = 1 / (ls[j]! * ls[j]!);
    kp[d + 3 * g + dim] = j;
  });
  for (let q = 0; q < g; q++) {
    const l = ls[continuous.length + q]!;
    kp[d + 3 * q] = groups[2 * q]!;
    kp[d + 3 * q + 1] = groups[2 * q + 1]!;
    kp[d + 3 * q + 2] = 1 / (l * l);
  }
  return {
    n,
    nPad: Math.max(TILE, roundUp(n, TILE)),
    d,
    groups: g,
    kind: spec.kind === 'rbf' ? 1 : 0,
    outputScale: params.outputScale,
    noise: params.noise,
    kp,
    x: Float32Array.from(x.subarray(0, n * d)),
  };
}

/**
 * Candidates per chunk of {@link Engine.score} (a multiple of 64): at most `maxChunk`, small
 * enough that the chunk's nPad×chunk cross-covariance and chunk×d inputs fit one storage binding
 * (and CHUNK_BYTES), and that its dispatches stay within `maxWorkgroups` per dimension.
 */
export function chunkPadFor(
  m: number,
  nPad: number,
  d: number,
  maxChunk: number,
  limits: { bindingLimit: number; maxWorkgroups: number },
): number {
  const budget = Math.min(limits.bindingLimit, CHUNK_BYTES);
  const byMatrix = Math.floor(budget / (nPad * 4) / TILE) * TILE;
  const byInputs = Math.floor(budget / (Math.max(d, 1) * 4) / TILE) * TILE;
  // The cross-covariance dispatch has chunkPad/16 workgroups along x.
  const byDispatch = Math.floor((limits.maxWorkgroups * 16) / TILE) * TILE;
  return Math.max(
    TILE,
    Math.min(roundUp(m, TILE), byMatrix, byInputs, byDispatch, Math.floor(maxChunk / TILE) * TILE),
  );
}

type Step =
  | { op: 'dispatch'; def: ShaderDef; slot: number; buffers: GPUBuffer[]; x: number; y: number }
  | { op: 'clear'; buffer: GPUBuffer; size: number }
  | {
      op: 'copy';
      src: GPUBuffer;
      srcOffset: number;
      dst: GPUBuffer;
      dstOffset: number;
      size: number;
    };

/** Commands recorded for one submit; uniforms are packed into one ring upload at submit time. */
class Batch {
  readonly steps: Step[] = [];
  readonly params: ParamValues[] = [];
  dispatch(def: ShaderDef, params: ParamValues, buffers: GPUBuffer[], x: number, y = 1): void {
    if (x === 0 || y === 0) return;
    this.params.push(params);
    this.steps.push({ op: 'dispatch', def, slot: this.params.length - 1, buffers, x, y });
  }
  clear(buffer: GPUBuffer, size: number): void {
    this.steps.push({ op: 'clear', buffer, size });
  }
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    this.steps.push({ op: 'copy', src, srcOffset, dst, dstOffset, size });
  }
}

/**
 * GPU state of one backend: buffers reused and grown across calls, and the operations the
 * backend composes. Every public method records its dispatches into batches, submits them in
 * order and reads back once.
 */
export class Engine {
  private readonly buffers = new Map<string, GPUBuffer>();
  /** Largest bytes one storage binding may hold on this device. */
  readonly bindingLimit: number;

  constructor(
    readonly device: GPUDevice,
    /** Most candidates per chunk (rounded down to 64; the device limits may lower it). */
    private readonly maxChunk = 1 << 19,
  ) {
    this.bindingLimit = Math.min(
      device.limits.maxStorageBufferBindingSize,
      device.limits.maxBufferSize,
    );
  }

  /** A named buffer of at least `bytes`, recreated larger when too small (contents lost then). */
  buffer(
    name: string,
    bytes: number,
    usage: number = USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC,
  ): GPUBuffer {
    const size = roundUp(Math.max(bytes, 16), 16);
    const old = this.buffers.get(name);
    if (old && old.size >= size) return old;
    old?.destroy();
    const grown = old
      ? Math.min(
          roundUp(Math.max(size, old.size * 1.5), 16),
          Math.floor(this.bindingLimit / 16) * 16,
        )
      : size;
    const buf = this.device.createBuffer({
      label: `webtune-gp/${name}`,
      size: Math.max(grown, size),
      usage,
    });
    this.buffers.set(name, buf);
    return buf;
  }

  write(name: string, data: Float32Array | Uint32Array, offset = 0): GPUBuffer {
    const buf = this.buffer(name, offset + data.byteLength);
    this.device.queue.writeBuffer(buf, offset, data.buffer, data.byteOffset, data.byteLength);
    return buf;
  }

  submit(batch: Batch): void {
    const { device } = this;
    const uniform = this.buffer(
      'uniforms',
      Math.max(1, batch.params.length) * PARAMS_STRIDE,
      USAGE.UNIFORM | USAGE.COPY_DST,
    );
    const bytes = new ArrayBuffer(Math.max(1, batch.params.length) * PARAMS_STRIDE);
    const view = new DataView(bytes);
    batch.params.forEach((p, i) => {
      packParams(view, i * PARAMS_STRIDE, p);
    });
    device.queue.writeBuffer(uniform, 0, bytes);
    const encoder = device.createCommandEncoder({ label: 'webtune-gp' });
    const groups = new Map<string, GPUBindGroup>();
    const ids = new Map<GPUBuffer, number>();
    const id = (b: GPUBuffer) => {
      let v = ids.get(b);
      if (v === undefined) ids.set(b, (v = ids.size));
      return v;
    };
    let pass: GPUComputePassEncoder | undefined;
    for (const step of batch.steps) {
      if (step.op !== 'dispatch') {
        pass?.end();
        pass = undefined;
        if (step.op === 'clear') encoder.clearBuffer(step.buffer, 0, step.size);
        else
          encoder.copyBufferToBuffer(step.src, step.srcOffset, step.dst, step.dstOffset, step.size);
        continue;
      }
      const { pipeline, layout } = getPipeline(device, step.def);
      const key = `${step.def.label}:${step.buffers.map(id).join(',')}`;
      let group = groups.get(key);
      if (!group) {
        group = device.createBindGroup({
          layout,
          entries: [
            { binding: 0, resource: { buffer: uniform, size: PARAMS_STRIDE } },
            ...step.buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
          ],
        });
        groups.set(key, group);
      }
      pass ??= encoder.beginComputePass({ label: 'webtune-gp' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group, [step.slot * PARAMS_STRIDE]);
      pass.dispatchWorkgroups(step.x, step.y);
    }
    pass?.end();
    device.queue.submit([encoder.finish()]);
  }

  /** Copies [offset, offset+bytes) of each source into one mappable buffer and reads it. */
  async read(
    batch: Batch,
    parts: { src: GPUBuffer; offset?: number; bytes: number }[],
  ): Promise<ArrayBuffer> {
    const total = parts.reduce((s, p) => s + roundUp(p.bytes, 4), 0);
    const staging = this.buffer('readback', total, USAGE.MAP_READ | USAGE.COPY_DST);
    let at = 0;
    for (const p of parts) {
      if (p.bytes > 0) batch.copy(p.src, p.offset ?? 0, staging, at, roundUp(p.bytes, 4));
      at += roundUp(p.bytes, 4);
    }
    this.submit(batch);
    await staging.mapAsync(MAP_MODE_READ, 0, roundUp(Math.max(total, 4), 4));
    const out = staging.getMappedRange(0, roundUp(Math.max(total, 4), 4)).slice(0);
    staging.unmap();
    return out;
  }

  newBatch(): Batch {
    return new Batch();
  }

  /** Uploads the training inputs and kernel weights of `k`. */
  uploadKernel(k: GpuKernel): void {
    this.write('x', k.x.length ? k.x : new Float32Array(1));
    this.write('kp', k.kp.length ? k.kp : new Float32Array(1));
  }

  kernelParams(k: GpuKernel, extra: ParamValues = {}): ParamValues {
    return {
      n: k.n,
      nPad: k.nPad,
      d: k.d,
      groups: k.groups,
      kind: k.kind,
      outputScale: k.outputScale,
      noise: k.noise,
      varianceFloor: VARIANCE_FLOOR,
      ...extra,
    };
  }

  /** Checks that an nPad×nPad f32 matrix fits one binding. */
  checkMatrix(nPad: number, n: number): void {
    const bytes = nPad * nPad * 4;
    if (bytes > this.bindingLimit) {
      throw new Error(
        `webgpu: n (${n}) needs a ${nPad}×${nPad} f32 matrix (${bytes} bytes), more than the device allows in one storage binding (${this.bindingLimit} bytes); use backend 'cpu' or a device with a higher maxStorageBufferBindingSize`,
      );
    }
  }

  /** Records K (with noise + jitter on the diagonal) into buffer 'a' (nPad×nPad). */
  recordKernelMatrix(batch: Batch, k: GpuKernel, jitter: number): GPUBuffer {
    this.checkMatrix(k.nPad, k.n);
    const a = this.buffer('a', k.nPad * k.nPad * 4);
    const x = this.buffer('x', 0);
    const kp = this.buffer('kp', 0);
    const g = k.nPad / 16;
    batch.dispatch(KERNEL_MATRIX, this.kernelParams(k, { jitter }), [x, x, kp, a], g, g);
    return a;
  }

  /** Records the blocked Cholesky of 'a' in place; 'info'[0] becomes 1 on a bad pivot. */
  recordCholesky(batch: Batch, nPad: number): GPUBuffer {
    const a = this.buffer('a', nPad * nPad * 4);
    const info = this.buffer('info', 16);
    batch.clear(info, 16);
    const blocks = nPad / 32;
    for (let s = 0; s < blocks; s++) {
      batch.dispatch(CHOLESKY_DIAGONAL, { nPad, step: s }, [a, info], 1);
      const below = nPad - 32 * (s + 1);
      batch.dispatch(CHOLESKY_PANEL, { nPad, step: s }, [a], Math.ceil(below / 64));
      const t = blocks - s - 1;
      batch.dispatch(CHOLESKY_UPDATE, { nPad, step: s }, [a], t, t);
    }
    return info;
  }

  /** Records X = L⁻¹ of the lower factor in 'a' into 'linv'. */
  recordInverse(batch: Batch, nPad: number): void {
    const a = this.buffer('a', nPad * nPad * 4);
    const linv = this.buffer('linv', nPad * nPad * 4);
    batch.clear(linv, nPad * nPad * 4);
    for (let b = 0; b < nPad / 32; b++) {
      batch.dispatch(TRIANGULAR_INVERSE, { nPad, step: b }, [a, linv], b + 1);
    }
  }

  /** Records α = L⁻ᵀL⁻¹y from 'linv' and 'y' (nPad, zero padded) into 'alpha'. */
  recordAlpha(batch: Batch, nPad: number): void {
    const linv = this.buffer('linv', nPad * nPad * 4);
    const y = this.buffer('y', nPad * 4);
    const z = this.buffer('z', nPad * 4);
    const alpha = this.buffer('alpha', nPad * 4);
    batch.dispatch(TRIANGULAR_MATVEC, { nPad, step: 0 }, [linv, y, z], nPad / 64);
    batch.dispatch(TRIANGULAR_MATVEC, { nPad, step: 1 }, [linv, z, alpha], nPad / 64);
  }

  /**
   * Records K⁻¹ = L⁻ᵀL⁻¹ into 'kinv' and the likelihood's partial sums (see LIKELIHOOD_GRADIENT)
   * into 'lik' ((nPad/64)² tiles × (e + 4)), after K, its Cholesky, L⁻¹ and α were recorded.
   */
  recordLikelihood(batch: Batch, k: GpuKernel, e: number): { partial: GPUBuffer; slots: number } {
    const slots = e + 4;
    if (slots > LIKELIHOOD_SLOTS) {
      throw new Error(
        `webgpu: the likelihood gradient supports at most ${LIKELIHOOD_SLOTS - 4} lengthscales, got ${e}`,
      );
    }
    const { nPad } = k;
    const tiles = nPad / TILE;
    const linv = this.buffer('linv', nPad * nPad * 4);
    const kinv = this.buffer('kinv', nPad * nPad * 4);
    const partial = this.buffer('lik', tiles * tiles * slots * 4);
    batch.clear(partial, tiles * tiles * slots * 4);
    batch.dispatch(INVERSE_GRAM, { nPad }, [linv, linv, kinv], tiles, tiles);
    const x = this.buffer('x', 0);
    const p = this.kernelParams(k, { k: slots });
    batch.dispatch(
      LIKELIHOOD_GRADIENT,
      p,
      [
        x,
        x,
        this.buffer('kp', 0),
        kinv,
        this.buffer('alpha', nPad * 4),
        this.buffer('a', nPad * nPad * 4),
        this.buffer('y', nPad * 4),
        partial,
      ],
      tiles,
      tiles,
    );
    return { partial, slots };
  }

  /**
   * Scores m candidates against the model whose 'x', 'kp', 'linv', 'alpha' are on the device:
   * writes 'mean', 'variance', 'acq' (m each). Candidates go up in chunks sized so the chunk's
   * cross-covariance fits one binding; each chunk is its own submit, after its upload, so the
   * chunk buffers are reused. `first` holds commands to run before the first chunk; the last
   * chunk's batch is returned unsubmitted, for the caller to append to and submit.
   */
  score(
    first: Batch,
    k: GpuKernel,
    xc: Float64Array,
    m: number,
    acq: AcquisitionSpec | undefined,
  ): Batch {
    const { nPad, d } = k;
    const resultBytes = m * 4;
    if (resultBytes > this.bindingLimit) {
      throw new Error(
        `webgpu: m (${m}) candidates need ${resultBytes} bytes per result buffer, more than one storage binding allows (${this.bindingLimit})`,
      );
    }
    const chunkPad = chunkPadFor(m, nPad, d, this.maxChunk, {
      bindingLimit: this.bindingLimit,
      maxWorkgroups: this.device.limits.maxComputeWorkgroupsPerDimension,
    });
    const x = this.buffer('x', 0);
    const kp = this.buffer('kp', 0);
    const linv = this.buffer('linv', nPad * nPad * 4);
    const alpha = this.buffer('alpha', nPad * 4);
    const xcBuf = this.buffer('xc', chunkPad * d * 4);
    const kst = this.buffer('kst', nPad * chunkPad * 4);
    const partial = this.buffer('partial', (nPad / TILE) * chunkPad * 4);
    const mean = this.buffer('mean', resultBytes);
    const variance = this.buffer('variance', resultBytes);
    const acqBuf = this.buffer('acq', resultBytes);
    const acqParams: ParamValues = acq
      ? {
          acq: ACQ_CODE[acq.kind],
          incumbent: acq.best - (acq.xi ?? 0),
          sqrtBeta: Math.sqrt(acq.beta ?? 4),
        }
      : { acq: 3, sqrtBeta: 0 };
    const staging = new Float32Array(chunkPad * d);
    let batch = first;
    for (let offset = 0; offset < m; offset += chunkPad) {
      const chunkLen = Math.min(chunkPad, m - offset);
      for (let i = 0, end = chunkLen * d, base = offset * d; i < end; i++) {
        staging[i] = xc[base + i]!;
      }
      this.device.queue.writeBuffer(xcBuf, 0, staging.buffer, 0, chunkLen * d * 4);
      const p = this.kernelParams(k, { chunkLen, chunkPad, offset, ...acqParams });
      batch.dispatch(CROSS_COVARIANCE, p, [xcBuf, x, kp, kst], chunkPad / 16, nPad / 16);
      batch.dispatch(POSTERIOR_GEMM, p, [linv, kst, partial], chunkPad / TILE, nPad / TILE);
      batch.dispatch(
        POSTERIOR_REDUCE,
        p,
        [kst, partial, alpha, mean, variance, acqBuf],
        Math.ceil(chunkLen / 256),
      );
      if (offset + chunkPad < m) {
        this.submit(batch);
        batch = this.newBatch();
      }
    }
    return batch;
  }

  /** Records the top-k passes over 'acq' (m values); returns where the final k pairs are. */
  recordTopK(batch: Batch, m: number, k: number): { values: GPUBuffer; index: GPUBuffer } {
    const acqBuf = this.buffer('acq', m * 4);
    let vin = acqBuf;
    let iin = this.buffer('topk-i0', 16);
    let count = m;
    let hasIndex = 0;
    let ping = 0;
    for (;;) {
      const groups = Math.ceil(count / TOPK_SEGMENT);
      const vout = this.buffer(`topk-v${ping}`, groups * k * 4);
      const iout = this.buffer(`topk-i${ping === 0 ? 1 : 2}`, groups * k * 4);
      batch.dispatch(TOPK, { count, k, hasIndex }, [vin, iin, vout, iout], groups);
      vin = vout;
      iin = iout;
      count = groups * k;
      hasIndex = 1;
      ping = 1 - ping;
      if (groups === 1) return { values: vout, index: iout };
    }
  }

  destroy(): void {
    for (const b of this.buffers.values()) b.destroy();
    this.buffers.clear();
  }
}

export type { Batch };
