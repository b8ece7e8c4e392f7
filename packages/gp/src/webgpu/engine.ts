/// <reference types="@webgpu/types" preserve="true" />
import {
  MAP_MODE_READ,
  PARAMS_STRIDE,
  type ParamValues,
  packParams,
  type ShaderDef,
  USAGE,
} from './layout.js';
import { getPipeline } from './pipelines.js';
import { TOPK, TOPK_SEGMENT } from './topk.wgsl.js';

/** Largest k the GPU top-k reduces (a pass must shrink 4096 values to k). */
export const GPU_TOPK_MAX = 1024;

const roundUp = (v: number, to: number) => Math.ceil(v / to) * to;

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

  constructor(readonly device: GPUDevice) {
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
