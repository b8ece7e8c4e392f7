/// <reference types="@webgpu/types" preserve="true" />
import { acquisitionAt, KIND_CODE, resolveAcquisition } from '../acquisition.js';
import { kernelLayout } from '../kernel.js';
import { VARIANCE_FLOOR } from '../posterior.js';
import type { AcquisitionSpec, FittedGP, TopK } from '../types.js';
import { type Certificate, certifiedTopK } from './certify.js';
import { split, splitInto } from './df64.js';
import { type Engine, GPU_TOPK_MAX } from './engine.js';
import { EXACT, EXACT_CANDIDATES, SCREEN } from './exact.wgsl.js';
import type { ParamValues } from './layout.js';
import type { ResidentBuffers } from './resident.js';

/** Bytes of the exact pass's per-candidate work vectors (L⁻¹k) per dispatch, at most. */
const EXACT_BYTES = 128 * 1024 * 1024;

/** Candidates the first round of exact scoring takes, at least (then 4× per round). */
export const FIRST_ROUND = 64;

const roundUp = (v: number, to: number) => Math.ceil(v / to) * to;

/** What the exact-path shaders read of a GP (a FittedGP, or a model factorised on the device). */
export type ScoringModel = Pick<FittedGP, 'spec' | 'params' | 'n' | 'd' | 'jitter'>;

/** The uniforms every exact-path shader reads. */
export function modelParams(gp: ScoringModel): ParamValues {
  const { params } = gp;
  const [s2, s2lo] = split(params.outputScale);
  const [diag, diagLo] = split(params.outputScale + params.noise + gp.jitter);
  return {
    n: gp.n,
    nPad: roundUp(gp.n, 32),
    d: gp.d,
    groups: kernelLayout(gp.spec).groups.length / 2,
    kind: gp.spec.kind === 'rbf' ? 1 : 0,
    outputScale: s2,
    outputScaleLo: s2lo,
    diag,
    diagLo,
    varianceFloor: VARIANCE_FLOOR,
  };
}

/**
 * Exact posterior scoring on the device against a resident df64 model (see exact.wgsl.ts):
 * `predict` and `scoreTopK` with f64-class results.
 */
export class ExactScoring {
  constructor(
    private readonly engine: Engine,
    /** Most candidates per screening chunk. */
    private readonly maxChunk: number,
  ) {}

  /** μ and σ² (floored at VARIANCE_FLOOR·s², as the CPU) of candidates `index` (or 0…m−1). */
  async posterior(
    gp: ScoringModel,
    bufs: ResidentBuffers,
    xc: Float64Array,
    count: number,
    index?: Uint32Array,
  ): Promise<{ mean: Float64Array; variance: Float64Array }> {
    const { engine } = this;
    const { d } = gp;
    const base = modelParams(gp);
    const nPad = base.nPad!;
    const per = Math.max(
      EXACT_CANDIDATES,
      Math.min(
        Math.floor(Math.min(EXACT_BYTES, engine.bindingLimit) / (nPad * 8) / EXACT_CANDIDATES) *
          EXACT_CANDIDATES,
        engine.device.limits.maxComputeWorkgroupsPerDimension * EXACT_CANDIDATES,
        roundUp(count, EXACT_CANDIDATES),
      ),
    );
    const mean = new Float64Array(count);
    const variance = new Float64Array(count);
    const floor = VARIANCE_FLOOR * gp.params.outputScale;
    const staging = new Float32Array(2 * per * d);
    for (let at = 0; at < count; at += per) {
      const len = Math.min(per, count - at);
      for (let c = 0; c < len; c++) {
        const src = (index ? index[at + c]! : at + c) * d;
        splitInto(xc.subarray(src, src + d), d, staging, 2 * c * d);
      }
      const xe = engine.buffer('exact-x', per * d * 8);
      engine.device.queue.writeBuffer(xe, 0, staging.buffer, 0, len * d * 8);
      const v = engine.buffer('exact-v', roundUp(len, EXACT_CANDIDATES) * nPad * 8);
      const outp = engine.buffer('exact-out', per * 16);
      const batch = engine.newBatch();
      batch.dispatch(
        EXACT,
        { ...base, count: len },
        [xe, bufs.x, bufs.kw, bufs.alpha, bufs.l, bufs.dinv, v, outp],
        Math.ceil(len / EXACT_CANDIDATES),
      );
      const out = new Float32Array(await engine.read(batch, [{ src: outp, bytes: len * 16 }]));
      for (let c = 0; c < len; c++) {
        mean[at + c] = out[4 * c]! + out[4 * c + 1]!;
        const raw = out[4 * c + 2]! + out[4 * c + 3]!;
        // max() would keep a NaN variance as the floor; keep it NaN like the CPU's s² − NaN.
        variance[at + c] = raw > floor || Number.isNaN(raw) ? raw : floor;
      }
    }
    return { mean, variance };
  }

  /**
   * Writes an upper bound on every candidate's acquisition into the engine's 'acq' buffer (m
   * values): the screen, in chunks of at most maxChunk candidates.
   */
  screen(
    gp: ScoringModel,
    bufs: ResidentBuffers,
    xc: Float64Array,
    m: number,
    acq: AcquisitionSpec,
  ) {
    const { engine } = this;
    const { d } = gp;
    const { target, sqrtBeta } = resolveAcquisition(acq);
    const [incumbent, incumbentLo] = split(target);
    const chunk = Math.max(
      64,
      Math.min(
        roundUp(m, 64),
        Math.floor(this.maxChunk / 64) * 64,
        Math.floor(engine.bindingLimit / (d * 8) / 64) * 64,
        engine.device.limits.maxComputeWorkgroupsPerDimension * 64,
      ),
    );
    const acqBuf = engine.buffer('acq', m * 4);
    const xs = engine.buffer('screen-x', chunk * d * 8);
    const staging = new Float32Array(2 * chunk * d);
    const base = {
      ...modelParams(gp),
      acq: KIND_CODE[acq.kind],
      incumbent,
      incumbentLo,
      sqrtBeta,
    };
    for (let offset = 0; offset < m; offset += chunk) {
      const len = Math.min(chunk, m - offset);
      splitInto(xc.subarray(offset * d, (offset + len) * d), len * d, staging);
      engine.device.queue.writeBuffer(xs, 0, staging.buffer, 0, len * d * 8);
      const batch = engine.newBatch();
      batch.dispatch(
        SCREEN,
        { ...base, chunkLen: len, offset },
        [xs, bufs.x, bufs.kw, bufs.alpha, acqBuf],
        Math.ceil(len / 64),
      );
      engine.submit(batch);
    }
  }

  /** The exact top k: screen, then certified rounds of exact scoring (certify.ts). */
  async scoreTopK(
    gp: ScoringModel,
    bufs: ResidentBuffers,
    xc: Float64Array,
    m: number,
    acq: AcquisitionSpec,
    k: number,
  ): Promise<TopK & { certificate: Certificate }> {
    const { engine } = this;
    const { target, sqrtBeta } = resolveAcquisition(acq);
    const code = KIND_CODE[acq.kind];
    this.screen(gp, bufs, xc, m, acq);
    let all: { index: Uint32Array; bound: Float64Array } | undefined;
    const result = await certifiedTopK(m, k, Math.max(FIRST_ROUND, 2 * k), {
      top: async (count) => {
        if (count <= GPU_TOPK_MAX && !all) {
          const batch = engine.newBatch();
          const { values, index } = engine.recordTopK(batch, m, count);
          const out = await engine.read(batch, [
            { src: values, bytes: count * 4 },
            { src: index, bytes: count * 4 },
          ]);
          return {
            bound: Float64Array.from(new Float32Array(out, 0, count)),
            index: new Uint32Array(out, count * 4, count).slice(),
          };
        }
        all ??= await this.allBounds(m);
        return { index: all.index.subarray(0, count), bound: all.bound.subarray(0, count) };
      },
      exact: async (index) => {
        const p = await this.posterior(gp, bufs, xc, index.length, index);
        const values = new Float64Array(index.length);
        for (let t = 0; t < index.length; t++) {
          values[t] = acquisitionAt(code, target, sqrtBeta, p.mean[t]!, p.variance[t]!);
        }
        return values;
      },
    });
    return {
      index: result.index,
      value: result.value,
      certificate: { on: 'webgpu', exact: result.exact, rounds: result.rounds },
    };
  }

  /** Every candidate's bound, read back, and the candidates sorted by it (largest first). */
  private async allBounds(m: number): Promise<{ index: Uint32Array; bound: Float64Array }> {
    const { engine } = this;
    const out = new Float32Array(
      await engine.read(engine.newBatch(), [{ src: engine.buffer('acq', m * 4), bytes: m * 4 }]),
    );
    // NaN cannot occur (the screen writes +∞ for it); sort descending, ties to the lower index.
    const index = Uint32Array.from({ length: m }, (_, i) => i).sort((a, b) => {
      const x = out[a]!;
      const y = out[b]!;
      return x > y ? -1 : x < y ? 1 : a - b;
    });
    return { index, bound: Float64Array.from(index, (i) => out[i]!) };
  }
}
