/// <reference types="@webgpu/types" preserve="true" />
import { acquisitionValues } from '../acquisition.js';
import { createCpuBackend, scoreTopKSync } from '../cpuBackend.js';
import { conditionGP, logPosteriorObjective } from '../fit.js';
import {
  checkPoints,
  kernelLayout,
  kernelMatrix,
  kernelMatrixPacked,
  validateParams,
} from '../kernel.js';
import {
  cholesky,
  choleskyWithJitter,
  JITTER_SCHEDULE,
  packedLength,
  packLower,
  rowOffset,
  unpackLower,
} from '../linalg.js';
import type {
  AcquisitionSpec,
  FittedGP,
  KernelParams,
  KernelSpec,
  SurrogateBackend,
  TopK,
} from '../types.js';
import type { Certificate } from './certify.js';
import { type DeviceOptions, describeAdapter, openDevice } from './device.js';
import { factoriseOnDevice, jitterSchedule, recordCholeskyDf64 } from './deviceFactor.js';
import { splitInto } from './df64.js';
import { checkDf64, type Df64Check } from './df64Check.js';
import { Engine } from './engine.js';
import { EXACT, SCREEN } from './exact.wgsl.js';
import {
  BACKWARD_SOLVE,
  CHOLESKY_DIAGONAL_DF64,
  CHOLESKY_PANEL_DF64,
  CHOLESKY_UPDATE_DF64,
  FORWARD_SOLVE,
  KERNEL_PACKED,
} from './factor.wgsl.js';
import { LIKELIHOOD_GRADIENT_DF64, TRIANGULAR_INVERSE_DF64 } from './likelihood.wgsl.js';
import { compilePipelines, setFusedMultiplyAdd } from './pipelines.js';
import { type LoadStats, ResidentModel } from './resident.js';
import { ExactScoring, modelParams } from './scoring.js';
import { TOPK } from './topk.wgsl.js';

/** The pipelines each operation needs (compiled in the background from creation on). */
const SCORING = [SCREEN, EXACT, TOPK];
const FACTOR = [
  KERNEL_PACKED,
  CHOLESKY_DIAGONAL_DF64,
  CHOLESKY_PANEL_DF64,
  CHOLESKY_UPDATE_DF64,
  FORWARD_SOLVE,
  BACKWARD_SOLVE,
];
const LIKELIHOOD = [...FACTOR, TRIANGULAR_INVERSE_DF64, LIKELIHOOD_GRADIENT_DF64];

/** Options of {@link createWebGPUBackend}. */
export interface WebGPUBackendOptions extends DeviceOptions {
  /**
   * Most candidates screened per chunk (default 524288, lowered to fit the device's storage
   * binding size): m × d × 8 bytes of candidate coordinates per chunk.
   */
  chunkSize?: number;
}

/**
 * The GP operations beyond {@link SurrogateBackend} that the WebGPU backend offers and the
 * conformance suite (conformance.ts) checks against the CPU reference. Each factorises like the
 * CPU: no jitter first, then the CPU's schedule (1e-10…1e-2 × the mean diagonal) when a pivot
 * fails the CPU's test (≤ 1e-12 of its diagonal entry); `jitter` reports what was added, and
 * the results are those of K + jitter·I — never of another matrix than the CPU's.
 */
export interface GpOperations {
  /**
   * K with noise on the diagonal.
   * @param x n×d, row-major, unit cube. @returns n×n, row-major.
   */
  kernelMatrix(
    spec: KernelSpec,
    params: KernelParams,
    x: Float64Array,
    n: number,
  ): Promise<Float64Array>;
  /**
   * The lower Cholesky factor of a + jitter·I.
   * @param a n×n, row-major, symmetric positive definite. @returns l n×n lower (upper zero).
   */
  cholesky(a: Float64Array, n: number): Promise<{ l: Float64Array; jitter: number }>;
  /**
   * One fit-free suggest step: K, its Cholesky, α, then the acquisition of the m candidates
   * and their exact top k.
   * @param ys n standardised outputs. @param xc m×d, row-major.
   */
  conditionAndScoreTopK(
    spec: KernelSpec,
    params: KernelParams,
    x: Float64Array,
    ys: Float64Array,
    n: number,
    xc: Float64Array,
    m: number,
    acquisition: AcquisitionSpec,
    k: number,
  ): Promise<TopK & { jitter: number }>;
  /**
   * Log marginal likelihood of ys (priors excluded) and its gradient with respect to
   * θ = (log ℓ_1 … log ℓ_e, log s², log σ²_noise) — what a hyperparameter fit evaluates:
   * ∂LML/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ). A fit must not compare values of different `jitter`
   * (they are likelihoods of different matrices); the CPU's fit objective adds the same jitter
   * in the same cases.
   * @param ys n standardised outputs. @returns gradient of length e + 2.
   */
  logMarginalLikelihood(
    spec: KernelSpec,
    params: KernelParams,
    x: Float64Array,
    ys: Float64Array,
    n: number,
  ): Promise<{ value: number; gradient: Float64Array; jitter: number }>;
}

/**
 * The WebGPU surrogate backend. WGSL has no f64, and f32 cannot carry a GP at the noise levels
 * a fit produces (1e-6, 1e-10: cond(K) up to 1e12), so everything that cancels runs in df64
 * (double-f32, 48 bits; df64.wgsl.ts) and the results are the f64 CPU backend's within the
 * size-relative tolerances of the gp README ("Precision"):
 * - the model — a CPU-fitted GP's packed factor L, or one factorised on the device in df64 —
 *   stays on the device; a GP that is a view of a growing GPFactor uploads only its new rows;
 * - scoreTopK screens every candidate (μ in df64, a rigorous upper bound on the acquisition)
 *   and scores exactly, in df64, only those whose bound can still reach the top k;
 * - predict computes every μ and σ² in df64.
 * A device whose compiler breaks the df64 arithmetic (checked at creation: `df64`) scores on
 * the CPU instead, and says so in `description` and in each result's `certificate`.
 */
export interface WebGPUSurrogateBackend extends SurrogateBackend, GpOperations {
  readonly name: 'webgpu';
  /**
   * The top k, exact: every candidate is screened on the GPU (μ in df64, a rigorous upper bound
   * on the acquisition), the best by bound are scored exactly (df64) until no other can reach
   * the top k. `certificate` says how many were scored exactly, and 'cpu' with the reason when
   * the call ran on the CPU (device lost, or df64 arithmetic failed its check on this device).
   */
  scoreTopK(
    gp: FittedGP,
    xc: Float64Array,
    m: number,
    acquisition: AcquisitionSpec,
    k: number,
  ): Promise<TopK & { certificate: Certificate }>;
  conditionAndScoreTopK(
    spec: KernelSpec,
    params: KernelParams,
    x: Float64Array,
    ys: Float64Array,
    n: number,
    xc: Float64Array,
    m: number,
    acquisition: AcquisitionSpec,
    k: number,
  ): Promise<TopK & { jitter: number; certificate: Certificate }>;
  readonly device: GPUDevice;
  readonly adapterInfo: GPUAdapterInfo | undefined;
  /** What the df64 check found on this device at creation (fma fused, arithmetic exact). */
  readonly df64: Df64Check;
  /** What the last predict / scoreTopK uploaded of its model (see ResidentModel). */
  readonly lastLoad: LoadStats | undefined;
  /** True once the device was lost; later calls run on the CPU backend. */
  readonly lost: boolean;
  /** The device-loss message, when lost. */
  readonly lostReason: string | undefined;
}

function checkK(k: number, m: number): void {
  if (!Number.isInteger(k) || k < 0 || k > m) {
    throw new Error(`scoreTopK: k (${k}) must be an integer in [0, m = ${m}]`);
  }
}

/** Throws naming the first non-finite entry among the first `len` of `values`. */
function checkFinite(name: string, values: Float64Array, len: number): void {
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(values[i]!)) throw new Error(`${name}[${i}]: ${values[i]} must be finite`);
  }
}

/** Full n×n row-major from packed lower df64 (vec2f) values; `symmetric` mirrors, else upper 0. */
function unpackDf64(src: Float32Array, n: number, symmetric: boolean): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = rowOffset(i);
    for (let j = 0; j <= i; j++) {
      const v = src[2 * (ri + j)]! + src[2 * (ri + j) + 1]!;
      out[i * n + j] = v;
      if (symmetric) out[j * n + i] = v;
    }
  }
  return out;
}

/**
 * A SurrogateBackend on WebGPU. Device: `options.device` when given (e.g. TF.js's
 * `tf.backend().device`, so tuning and training share it; not destroyed by `destroy()`), else
 * one requested from `options.adapter` or from navigator.gpu / Node's optional `webgpu` package,
 * with the adapter's largest buffer limits. At creation it checks the df64 arithmetic on the
 * device (a few ms) and compiles every pipeline concurrently.
 * @throws when no adapter is available — there is no silent fallback here; use
 * `createSurrogateBackend({ backend: 'auto' })` for that.
 */
export async function createWebGPUBackend(
  options: WebGPUBackendOptions = {},
): Promise<WebGPUSurrogateBackend> {
  const chunkSize = options.chunkSize ?? 1 << 19;
  if (!Number.isInteger(chunkSize) || chunkSize < 64) {
    throw new Error(`chunkSize: ${chunkSize} must be an integer ≥ 64`);
  }
  const opened = await openDevice(options);
  const { device, info } = opened;
  const df64 = await checkDf64(device);
  setFusedMultiplyAdd(device, df64.fma);
  // On a real GPU every pipeline compiles concurrently from now on (createComputePipelineAsync),
  // each operation waiting only for its own. A fallback adapter (SwiftShader) compiles on the
  // CPU, seconds per df64 shader: there each operation compiles what it needs on first use.
  if (df64.ok && !info?.isFallbackAdapter) {
    compilePipelines(device, [...SCORING, ...LIKELIHOOD]).catch(() => undefined);
  }
  const engine = new Engine(device);
  const resident = new ResidentModel(device, engine.bindingLimit);
  const exact = new ExactScoring(engine, chunkSize);
  const cpu = createCpuBackend();
  const noExact = df64.ok
    ? undefined
    : `df64 arithmetic failed its check on this device (${df64.failure}), so every operation runs on the CPU`;
  let lastLoad: LoadStats | undefined;
  let lost = false;
  let lostReason: string | undefined;
  let destroyed = false;
  let chain: Promise<unknown> = Promise.resolve();

  device.lost.then((lostInfo) => {
    if (destroyed) return;
    lost = true;
    lostReason = lostInfo.message || String(lostInfo.reason);
    console.warn(
      `@webtune/gp: WebGPU device lost (${lostReason}); the surrogate continues on the CPU backend`,
    );
  });

  /**
   * Runs GPU work one call at a time (buffers are shared); on the CPU after device loss or
   * when df64 failed its check.
   */
  async function guarded<T>(gpu: () => Promise<T>, onCpu: () => T | Promise<T>): Promise<T> {
    if (destroyed) throw new Error('webgpu backend: used after destroy()');
    if (lost || noExact) return onCpu();
    const run = chain.then(async () => {
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      const result = await gpu().then(
        (value) => ({ value, failure: undefined }),
        (failure: unknown) => ({ value: undefined, failure }),
      );
      const validation = await device.popErrorScope();
      const oom = await device.popErrorScope();
      const err = validation ?? oom;
      // A failed call may have written part of the resident model: upload it afresh next time.
      if (err || result.failure !== undefined) resident.invalidate();
      // A GPU validation message explains a failed readback better than the readback's error.
      if (err && !lost) throw new Error(`webgpu: ${err.message}`);
      if (result.failure !== undefined) throw result.failure;
      return result.value as T;
    });
    chain = run.catch(() => undefined);
    try {
      return await run;
    } catch (e) {
      await new Promise((r) => setTimeout(r, 0));
      if (lost) return onCpu();
      throw e;
    }
  }

  /** Why a call runs on the CPU now. */
  const cpuReason = () => noExact ?? `WebGPU device lost (${lostReason})`;

  const backend: WebGPUSurrogateBackend = {
    name: 'webgpu',
    description: `webgpu: ${describeAdapter(info)}; ${
      noExact ??
      `df64 kernels (exact products by ${df64.fma ? 'fma' : "Dekker's splitting"}), within the documented size-relative tolerances of the f64 CPU backend`
    }`,
    device,
    adapterInfo: info,
    df64,
    get lastLoad() {
      return lastLoad;
    },
    get lost() {
      return lost;
    },
    get lostReason() {
      return lostReason;
    },

    predict(gp, xc, m) {
      checkPoints('xc', xc, m, gp.d);
      if (gp.n === 0 || m === 0) return cpu.predict(gp, xc, m);
      return guarded(
        async () => {
          await compilePipelines(device, SCORING);
          const { buffers, stats } = resident.load(gp);
          lastLoad = stats;
          return exact.posterior(gp, buffers, xc, m);
        },
        () => cpu.predict(gp, xc, m),
      );
    },

    scoreTopK(gp, xc, m, acquisition, k) {
      checkPoints('xc', xc, m, gp.d);
      checkK(k, m);
      acquisitionValues(acquisition, new Float64Array(0), new Float64Array(0));
      const onCpu = (reason: string) => ({
        ...scoreTopKSync(gp, xc, m, acquisition, k),
        certificate: { on: 'cpu', exact: m, rounds: 1, reason } satisfies Certificate,
      });
      if (gp.n === 0 || k === 0) return Promise.resolve(onCpu('nothing to score on the GPU'));
      return guarded(
        async () => {
          await compilePipelines(device, SCORING);
          const { buffers, stats } = resident.load(gp);
          lastLoad = stats;
          return exact.scoreTopK(gp, buffers, xc, m, acquisition, k);
        },
        () => onCpu(cpuReason()),
      );
    },

    kernelMatrix(spec, params, x, n) {
      validateParams(kernelLayout(spec), params);
      checkPoints('x', x, n, spec.d);
      checkFinite('x', x, n * spec.d);
      if (n === 0) return Promise.resolve(new Float64Array(0));
      return guarded(
        async () => {
          await compilePipelines(device, [KERNEL_PACKED]);
          const bufs = resident.prepare(spec, params, x, n);
          const a = engine.buffer('kmat', packedLength(n) * 8);
          const adiag = engine.buffer('adiag', n * 8);
          const batch = engine.newBatch();
          const g = Math.ceil(n / 16);
          const p = modelParams({ spec, params, n, d: spec.d, jitter: 0 });
          batch.dispatch(KERNEL_PACKED, p, [bufs.x, bufs.x, bufs.kw, a, adiag], g, g);
          const out = await engine.read(batch, [{ src: a, bytes: packedLength(n) * 8 }]);
          return unpackDf64(new Float32Array(out), n, true);
        },
        () => kernelMatrix(spec, params, x, n),
      );
    },

    cholesky(a, n) {
      if (!Number.isInteger(n) || n < 0)
        throw new Error(`cholesky: n (${n}) must be an integer ≥ 0`);
      if (a.length < n * n)
        throw new Error(`cholesky: a has length ${a.length}, needs n×n = ${n * n}`);
      if (n === 0) return Promise.resolve({ l: new Float64Array(0), jitter: 0 });
      return guarded(
        async () => {
          await compilePipelines(device, FACTOR);
          const packed = packLower(a, n);
          let meanDiag = 0;
          for (let i = 0; i < n; i++) meanDiag += a[i * n + i]!;
          meanDiag /= n;
          const values = new Float32Array(2 * packed.length);
          const diag = new Float32Array(2 * n);
          for (const jitter of jitterSchedule(meanDiag)) {
            if (jitter > 0 && !(meanDiag > 0)) break;
            for (let i = 0; i < n; i++) packed[rowOffset(i) + i] = a[i * n + i]! + jitter;
            splitInto(packed, packed.length, values);
            for (let i = 0; i < n; i++) {
              diag[2 * i] = values[2 * (rowOffset(i) + i)]!;
              diag[2 * i + 1] = values[2 * (rowOffset(i) + i) + 1]!;
            }
            const buf = engine.write('chol-a', values);
            const adiag = engine.write('chol-diag', diag);
            const dinv = engine.buffer('chol-dinv', n * 8);
            const batch = engine.newBatch();
            const info = recordCholeskyDf64(engine, batch, buf, adiag, dinv, n);
            const out = await engine.read(batch, [
              { src: info, bytes: 4 },
              { src: buf, bytes: packed.length * 8 },
            ]);
            if (new Uint32Array(out, 0, 1)[0] !== 0) continue;
            return { l: unpackDf64(new Float32Array(out, 4), n, false), jitter };
          }
          throw new Error(
            `cholesky: matrix (n = ${n}) is not positive definite even with jitter ${JITTER_SCHEDULE.at(-1)}× the mean diagonal`,
          );
        },
        () => cpuCholeskyFull(a, n),
      );
    },

    conditionAndScoreTopK(spec, params, x, ys, n, xc, m, acquisition, k) {
      validateParams(kernelLayout(spec), params);
      checkPoints('x', x, n, spec.d);
      checkPoints('xc', xc, m, spec.d);
      checkK(k, m);
      if (ys.length < n) throw new Error(`ys: length ${ys.length} must be ≥ n (${n})`);
      checkFinite('ys', ys, n);
      checkFinite('x', x, n * spec.d);
      acquisitionValues(acquisition, new Float64Array(0), new Float64Array(0));
      const onCpu = (reason: string) => {
        const gp = conditionGP(spec, params, x, n, ys, 0, 1);
        return {
          ...scoreTopKSync(gp, xc, m, acquisition, k),
          jitter: gp.jitter,
          certificate: { on: 'cpu', exact: m, rounds: 1, reason } satisfies Certificate,
        };
      };
      if (n === 0 || k === 0) return Promise.resolve(onCpu('nothing to score on the GPU'));
      return guarded(
        async () => {
          await compilePipelines(device, [...FACTOR, ...SCORING]);
          const model = await factoriseOnDevice(engine, resident, spec, params, x, n, ys);
          const top = await exact.scoreTopK(model.gp, model.bufs, xc, m, acquisition, k);
          return { ...top, jitter: model.jitter };
        },
        () => onCpu(cpuReason()),
      );
    },

    logMarginalLikelihood(spec, params, x, ys, n) {
      const layout = kernelLayout(spec);
      validateParams(layout, params);
      checkPoints('x', x, n, spec.d);
      if (!Number.isInteger(n) || n < 1) throw new Error(`n: ${n} must be an integer ≥ 1`);
      if (ys.length < n) throw new Error(`ys: length ${ys.length} must be ≥ n (${n})`);
      checkFinite('ys', ys, n);
      checkFinite('x', x, n * spec.d);
      const { e } = layout;
      return guarded(
        async () => {
          await compilePipelines(device, LIKELIHOOD);
          const model = await factoriseOnDevice(engine, resident, spec, params, x, n, ys);
          const { bufs } = model;
          const linv = engine.buffer('linv', packedLength(n) * 8);
          const tiles = Math.ceil(n / 32);
          const slots = e + 2;
          const partial = engine.buffer('lik', tiles * tiles * slots * 8);
          const batch = engine.newBatch();
          for (let b = 0; b < tiles; b++) {
            batch.dispatch(
              TRIANGULAR_INVERSE_DF64,
              { n, step: b },
              [bufs.l, bufs.dinv, linv],
              b + 1,
            );
          }
          batch.clear(partial, tiles * tiles * slots * 8);
          batch.dispatch(
            LIKELIHOOD_GRADIENT_DF64,
            { ...modelParams(model.gp), k: slots },
            [bufs.x, bufs.x, bufs.kw, linv, bufs.alpha, partial],
            tiles,
            tiles,
          );
          const parts = new Float32Array(
            await engine.read(batch, [{ src: partial, bytes: tiles * tiles * slots * 8 }]),
          );
          const sum = new Float64Array(slots);
          for (let t = 0; t < tiles * tiles; t++) {
            for (let c = 0; c < slots; c++) {
              sum[c]! += parts[2 * (t * slots + c)]! + parts[2 * (t * slots + c) + 1]!;
            }
          }
          const gradient = new Float64Array(e + 2);
          for (let c = 0; c < e; c++) {
            const l = params.lengthscales[c]!;
            gradient[c] = (-2 / (l * l)) * sum[c]!;
          }
          const trW = sum[e + 1]!;
          gradient[e] = sum[e]! + 0.5 * params.outputScale * trW;
          gradient[e + 1] = 0.5 * params.noise * trW;
          let quad = 0;
          let logDet = 0;
          for (let i = 0; i < n; i++) {
            quad += model.beta![i]! ** 2;
            logDet -= Math.log(model.dinv[i]!);
          }
          const value = -0.5 * quad - logDet - 0.5 * n * Math.log(2 * Math.PI);
          return { value, gradient, jitter: model.jitter };
        },
        () => cpuLogMarginalLikelihood(spec, params, x, ys, n),
      );
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      engine.destroy();
      resident.destroy();
      if (opened.owned) device.destroy();
    },
  };
  return backend;
}

/**
 * The f64 CPU value of {@link WebGPUSurrogateBackend.logMarginalLikelihood}, from the fit's own
 * objective: its gradient minus the (known) gradient of its default prior.
 */
export function cpuLogMarginalLikelihood(
  spec: KernelSpec,
  params: KernelParams,
  x: Float64Array,
  ys: Float64Array,
  n: number,
): { value: number; gradient: Float64Array; jitter: number } {
  const obj = logPosteriorObjective(spec, x, ys, n, { prior: 'optuna' });
  const theta = new Float64Array(obj.k);
  const e = params.lengthscales.length;
  for (let c = 0; c < e; c++) theta[c] = Math.log(params.lengthscales[c]!);
  theta[e] = Math.log(params.outputScale);
  theta[e + 1] = Math.log(params.noise);
  const grad = new Float64Array(obj.k);
  obj.evaluate(theta, grad);
  // Not the returned value: with noise 0 the noise prior (log σ² = −∞) makes it +∞ for any K.
  if (!Number.isFinite(obj.lastLml())) {
    throw new Error(`logMarginalLikelihood: K (n = ${n}) is not positive definite`);
  }
  // evaluate() returns −(LML + log prior); undo the sign and the 'optuna' prior's gradient.
  const gradient = new Float64Array(obj.k);
  for (let c = 0; c < e; c++) {
    const l2 = Math.exp(2 * theta[c]!);
    gradient[c] = -grad[c]! + 0.2 * (l2 - 1 / l2);
  }
  gradient[e] = -grad[e]! - (1 - params.outputScale);
  gradient[e + 1] = -grad[e + 1]! - (0.1 - 30 * params.noise);
  // The objective adds jitter on its own when K needs it; report the same amount.
  const jitter = choleskyWithJitter(
    kernelMatrixPacked(spec, params, x, n),
    n,
    new Float64Array(packedLength(n)),
  );
  return { value: obj.lastLml(), gradient, jitter };
}

/**
 * The CPU reference of {@link GpOperations.cholesky}: the f64 factor of a full n×n matrix, as a
 * full n×n lower matrix (the CPU backend itself works on packed storage).
 */
export function cpuCholeskyFull(a: Float64Array, n: number): { l: Float64Array; jitter: number } {
  if (a.length < n * n) throw new Error(`cholesky: a has length ${a.length}, needs n×n = ${n * n}`);
  const { l, jitter } = cholesky(packLower(a, n), n);
  return { l: unpackLower(l, n), jitter };
}
