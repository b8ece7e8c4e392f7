/// <reference types="@webgpu/types" preserve="true" />
import { JITTER_SCHEDULE } from '../linalg.js';
import type { KernelParams, KernelSpec } from '../types.js';
import { splitInto } from './df64.js';
import type { Batch, Engine } from './engine.js';
import {
  BACKWARD_SOLVE,
  CHOLESKY_DIAGONAL_DF64,
  CHOLESKY_PANEL_DF64,
  CHOLESKY_UPDATE_DF64,
  FORWARD_SOLVE,
  KERNEL_PACKED,
} from './factor.wgsl.js';
import type { ResidentBuffers, ResidentModel } from './resident.js';
import { modelParams } from './scoring.js';

/** The CPU's jitters, in order: 0, then JITTER_SCHEDULE × the mean diagonal. */
export function jitterSchedule(meanDiagonal: number): number[] {
  return [0, ...JITTER_SCHEDULE.map((s) => s * meanDiagonal)];
}

/**
 * Records the df64 Cholesky of packed `a` (n rows) in place: 1/L_ii into `dinv`, and info[0]
 * set to 1 when a pivot fails the CPU's test against `adiag` (see factor.wgsl.ts).
 */
export function recordCholeskyDf64(
  engine: Engine,
  batch: Batch,
  a: GPUBuffer,
  adiag: GPUBuffer,
  dinv: GPUBuffer,
  n: number,
): GPUBuffer {
  const info = engine.buffer('info', 16);
  batch.clear(info, 16);
  const blocks = Math.ceil(n / 32);
  for (let s = 0; s < blocks; s++) {
    batch.dispatch(CHOLESKY_DIAGONAL_DF64, { n, step: s }, [a, adiag, dinv, info], 1);
    const below = n - 32 * (s + 1);
    if (below <= 0) break;
    batch.dispatch(CHOLESKY_PANEL_DF64, { n, step: s }, [a, dinv], Math.ceil(below / 64));
    const t = Math.ceil(below / 32);
    batch.dispatch(CHOLESKY_UPDATE_DF64, { n, step: s }, [a], t, t);
  }
  return info;
}

/** The model a factorisation on the device leaves in the resident buffers. */
export interface DeviceModel {
  readonly bufs: ResidentBuffers;
  /** What the scoring shaders read of a FittedGP. */
  readonly gp: {
    spec: KernelSpec;
    params: KernelParams;
    n: number;
    d: number;
    jitter: number;
  };
  /** The jitter added to K's diagonal: 0, or the CPU schedule's first that worked. */
  readonly jitter: number;
  /** β = L⁻¹y (n, f64 from df64), when ys were given. */
  readonly beta?: Float64Array;
  /** 1/L_ii (n, f64 from df64). */
  readonly dinv: Float64Array;
}

/**
 * K + (noise + jitter)·I, its Cholesky and (with ys) α = K⁻¹y, all in df64 on the device, into
 * the resident buffers: the jitter loop is the CPU's (../factor.ts), so the same jitter is used
 * whenever the CPU's f64 and the device's df64 pivots agree on the 1e-12 threshold. One
 * readback per attempt (the failure flag), one for β and 1/L_ii.
 * @throws when even the largest jitter fails, as the CPU does.
 */
export async function factoriseOnDevice(
  engine: Engine,
  resident: ResidentModel,
  spec: KernelSpec,
  params: KernelParams,
  x: Float64Array,
  n: number,
  ys?: Float64Array,
): Promise<DeviceModel> {
  const bufs = resident.prepare(spec, params, x, n);
  const d = spec.d;
  const adiag = engine.buffer('adiag', n * 8);
  for (const jitter of jitterSchedule(params.outputScale + params.noise)) {
    const gp = { spec, params, n, d, jitter };
    const base = modelParams(gp);
    const batch = engine.newBatch();
    const g = Math.ceil(n / 16);
    batch.dispatch(KERNEL_PACKED, base, [bufs.x, bufs.x, bufs.kw, bufs.l, adiag], g, g);
    const info = recordCholeskyDf64(engine, batch, bufs.l, adiag, bufs.dinv, n);
    const flag = new Uint32Array(await engine.read(batch, [{ src: info, bytes: 4 }]));
    if (flag[0] !== 0) continue;
    const parts = [{ src: bufs.dinv, bytes: n * 8 }];
    const solve = engine.newBatch();
    if (ys) {
      const y = new Float32Array(2 * n);
      splitInto(ys, n, y);
      const yBuf = engine.write('y2', y);
      const beta = engine.buffer('beta', n * 8);
      solve.dispatch(FORWARD_SOLVE, { n }, [bufs.l, bufs.dinv, yBuf, beta], 1);
      solve.dispatch(BACKWARD_SOLVE, { n }, [bufs.l, bufs.dinv, beta, bufs.alpha], 1);
      parts.push({ src: beta, bytes: n * 8 });
    }
    const out = new Float32Array(await engine.read(solve, parts));
    const join = (at: number) =>
      Float64Array.from({ length: n }, (_, i) => out[at + 2 * i]! + out[at + 2 * i + 1]!);
    return {
      bufs,
      gp,
      jitter,
      dinv: join(0),
      ...(ys ? { beta: join(2 * n) } : {}),
    };
  }
  throw new Error(
    `K (n = ${n}) is not positive definite even with jitter ${JITTER_SCHEDULE.at(-1)}× the mean diagonal`,
  );
}
