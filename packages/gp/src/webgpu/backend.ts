/// <reference types="@webgpu/types" preserve="true" />
import { acquisitionValues } from '../acquisition.js';
import { createCpuBackend, scoreTopKSync, topK } from '../cpuBackend.js';
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
import { type DeviceOptions, describeAdapter, openDevice } from './device.js';
import { type Batch, Engine, GPU_TOPK_MAX, type GpuKernel, gpuKernel } from './engine.js';

/** Options of {@link createWebGPUBackend}. */
export interface WebGPUBackendOptions extends DeviceOptions {
  /**
   * Most candidates scored per chunk (default 524288, lowered to fit the device's storage
   * binding size): smaller chunks use less GPU memory, m × n × 4 bytes per chunk at most.
   */
  chunkSize?: number;
}

/**
 * The GP operations beyond {@link SurrogateBackend} that the WebGPU backend offers and the
 * conformance suite (conformance.ts) checks against the CPU reference.
 */
export interface GpOperations {
  /**
   * K with noise on the diagonal, computed on the GPU in f32.
   * @param x n×d, row-major, unit cube. @returns n×n, row-major.
   */
  kernelMatrix(
    spec: KernelSpec,
    params: KernelParams,
    x: Float64Array,
    n: number,
  ): Promise<Float64Array>;
  /**
   * Blocked Cholesky on the GPU (f32), with the CPU's jitter schedule on failure.
   * @param a n×n, row-major, symmetric positive definite. @returns l n×n lower (upper zero).
   */
  cholesky(a: Float64Array, n: number): Promise<{ l: Float64Array; jitter: number }>;
  /**
   * One fit-free suggest step entirely on the GPU: K, its Cholesky, L⁻¹, α, then the posterior
   * and acquisition of the m candidates and their top k, with one readback.
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
   * θ = (log ℓ_1 … log ℓ_e, log s², log σ²_noise) — what a hyperparameter fit evaluates — from
   * K, its Cholesky, L⁻¹, α and K⁻¹ on the GPU: ∂LML/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ), summed per
   * 64×64 tile of pairs on the GPU and across tiles in f64. At most 64 lengthscales.
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
 * The WebGPU surrogate backend: every heavy step in WGSL, in f32.
 *
 * Precision against the f64 CPU backend (inputs in the unit cube, y standardised, noise ≥ 1e-6):
 * f32 carries ~6e-8 relative rounding per operation, and the errors that matter are those that
 * grow with n and with the conditioning of K:
 * - kernel matrix: |ΔK| ≤ 1e-5·s² per entry (a d-term distance sum, one exp);
 * - posterior mean: |Δμ| ≤ 1e-5·(1 + Σ_i |k_i α_i|) — α = K⁻¹y is large when K is badly
 *   conditioned and μ = kᵀα cancels its terms, so the error scales with their magnitudes;
 * - posterior variance: |Δσ²| ≤ 2e-4·s² — σ² = s² − ‖L⁻¹k‖² cancels two numbers of size s²,
 *   and L⁻¹ is formed in f32 (error ~ε_f32·cond(L));
 * - acquisition values from a given (μ, σ²): relative 1e-4 (ei, pi, ucb), absolute 1e-3 (logEI);
 * - the chosen candidate: the GPU's argmax is the CPU's, or its CPU acquisition value is within
 *   1e-2 (relative to the spread of the top values) of the CPU maximum — near-ties reorder.
 * The conformance tests (conformance.ts) check these bounds on random problems, continuous and
 * categorical; on SwiftShader the measured errors are 10–100× smaller than the bounds.
 */
export interface WebGPUSurrogateBackend extends SurrogateBackend, GpOperations {
  readonly name: 'webgpu';
  readonly device: GPUDevice;
  readonly adapterInfo: GPUAdapterInfo | undefined;
  /** True once the device was lost; later calls run on the CPU backend. */
  readonly lost: boolean;
  /** The device-loss message, when lost. */
  readonly lostReason: string | undefined;
}

/** Largest finite f32. */
const F32_MAX = 3.4028234663852886e38;

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

/**
 * The lower triangle of `src` (n×n row-major, or packed lower when `packed`) as an nPad×nPad f32
 * matrix, with 1 on the padding's diagonal when `identity`.
 */
function padded(
  src: Float64Array,
  n: number,
  nPad: number,
  identity: boolean,
  packed = false,
): Float32Array {
  const out = new Float32Array(nPad * nPad);
  for (let i = 0; i < n; i++) {
    const row = i * nPad;
    const srow = packed ? rowOffset(i) : i * n;
    for (let j = 0; j <= i; j++) out[row + j] = src[srow + j]!;
  }
  if (identity) for (let i = n; i < nPad; i++) out[i * nPad + i] = 1;
  return out;
}

function padVector(src: Float64Array, n: number, nPad: number): Float32Array {
  const out = new Float32Array(nPad);
  for (let i = 0; i < n; i++) out[i] = src[i]!;
  return out;
}

/**
 * A SurrogateBackend on WebGPU. Device: `options.device` when given (e.g. TF.js's
 * `tf.backend().device`, so tuning and training share it; not destroyed by `destroy()`), else
 * one requested from `options.adapter` or from navigator.gpu / Node's optional `webgpu` package,
 * with the adapter's largest buffer limits.
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
  const engine = new Engine(device, chunkSize);
  const cpu = createCpuBackend();
  let lost = false;
  let lostReason: string | undefined;
  let destroyed = false;
  let model: FittedGP | undefined;
  let modelKernel: GpuKernel | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  device.lost.then((lostInfo) => {
    if (destroyed) return;
    lost = true;
    lostReason = lostInfo.message || String(lostInfo.reason);
    console.warn(
      `@webtune/gp: WebGPU device lost (${lostReason}); the surrogate continues on the CPU backend`,
    );
  });

  /** Runs GPU work one call at a time (buffers are shared), falling back to CPU after loss. */
  async function guarded<T>(gpu: () => Promise<T>, onCpu: () => T | Promise<T>): Promise<T> {
    if (destroyed) throw new Error('webgpu backend: used after destroy()');
    if (lost) return onCpu();
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
      // A failed call may have recorded the model's upload (L⁻¹) without submitting it: load it
      // afresh next time rather than trust buffers that were never written.
      if (err || result.failure !== undefined) model = undefined;
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

  /** Uploads a CPU-fitted GP (L and α from f64) and records L⁻¹, unless it is already there. */
  function loadModel(batch: Batch, gp: FittedGP): GpuKernel {
    if (model === gp && modelKernel) return modelKernel;
    const k = gpuKernel(gp.spec, gp.params, gp.x, gp.n);
    engine.checkMatrix(k.nPad, k.n);
    engine.uploadKernel(k);
    engine.buffer('a', k.nPad * k.nPad * 4);
    engine.write('a', padded(gp.chol, gp.n, k.nPad, true, true));
    engine.buffer('linv', k.nPad * k.nPad * 4);
    engine.write('alpha', padVector(gp.alpha, gp.n, k.nPad));
    engine.recordInverse(batch, k.nPad);
    model = gp;
    modelKernel = k;
    return k;
  }

  const backend: WebGPUSurrogateBackend = {
    name: 'webgpu',
    description: `webgpu: ${describeAdapter(info)}; f32 kernels, CPU f64 reference within the documented tolerances`,
    device,
    adapterInfo: info,
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
          const batch = engine.newBatch();
          const k = loadModel(batch, gp);
          const last = engine.score(batch, k, xc, m, undefined);
          const out = await engine.read(last, [
            { src: engine.buffer('mean', m * 4), bytes: m * 4 },
            { src: engine.buffer('variance', m * 4), bytes: m * 4 },
          ]);
          return {
            mean: Float64Array.from(new Float32Array(out, 0, m)),
            variance: Float64Array.from(new Float32Array(out, m * 4, m)),
          };
        },
        () => cpu.predict(gp, xc, m),
      );
    },

    scoreTopK(gp, xc, m, acquisition, k) {
      checkPoints('xc', xc, m, gp.d);
      checkK(k, m);
      acquisitionValues(acquisition, new Float64Array(0), new Float64Array(0));
      if (gp.n === 0 || k === 0) return cpu.scoreTopK(gp, xc, m, acquisition, k);
      return guarded(
        async () => {
          const batch = engine.newBatch();
          const kern = loadModel(batch, gp);
          const last = engine.score(batch, kern, xc, m, acquisition);
          return readTopK(last, m, k);
        },
        () => scoreTopKSync(gp, xc, m, acquisition, k),
      );
    },

    kernelMatrix(spec, params, x, n) {
      validateParams(kernelLayout(spec), params);
      checkPoints('x', x, n, spec.d);
      if (n === 0) return Promise.resolve(new Float64Array(0));
      return guarded(
        async () => {
          model = undefined;
          const kern = gpuKernel(spec, params, x, n);
          engine.uploadKernel(kern);
          const batch = engine.newBatch();
          const a = engine.recordKernelMatrix(batch, kern, 0);
          const out = new Float32Array(
            await engine.read(batch, [{ src: a, bytes: kern.nPad * kern.nPad * 4 }]),
          );
          return unpad(out, n, kern.nPad, false);
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
          model = undefined;
          const nPad = Math.max(64, Math.ceil(n / 64) * 64);
          engine.checkMatrix(nPad, n);
          const base = padded(a, n, nPad, true);
          let meanDiag = 0;
          for (let i = 0; i < n; i++) meanDiag += a[i * n + i]!;
          meanDiag /= n;
          for (const jitter of [0, ...JITTER_SCHEDULE.map((s) => s * meanDiag)]) {
            const src = jitter === 0 ? base : base.slice();
            if (jitter !== 0) for (let i = 0; i < n; i++) src[i * nPad + i]! += jitter;
            engine.buffer('a', nPad * nPad * 4);
            engine.write('a', src);
            const batch = engine.newBatch();
            const info = engine.recordCholesky(batch, nPad);
            const out = await engine.read(batch, [
              { src: info, bytes: 4 },
              { src: engine.buffer('a', 0), bytes: nPad * nPad * 4 },
            ]);
            if (new Uint32Array(out, 0, 1)[0] === 0) {
              return { l: unpad(new Float32Array(out, 4), n, nPad, true), jitter };
            }
          }
          throw new Error(
            `cholesky: matrix (n = ${n}) is not positive definite in f32 even with jitter ${JITTER_SCHEDULE.at(-1)}× the mean diagonal`,
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
      const onCpu = () => {
        const gp = conditionGP(spec, params, x, n, ys, 0, 1);
        return { ...scoreTopKSync(gp, xc, m, acquisition, k), jitter: gp.jitter };
      };
      if (n === 0 || k === 0) return Promise.resolve(onCpu());
      return guarded(async () => {
        model = undefined;
        const kern = gpuKernel(spec, params, x, n);
        engine.checkMatrix(kern.nPad, n);
        const meanDiag = params.outputScale + params.noise;
        for (const jitter of [0, ...JITTER_SCHEDULE.map((s) => s * meanDiag)]) {
          const { batch, info } = recordConditioning(kern, ys, n, jitter);
          const last = engine.score(batch, kern, xc, m, acquisition);
          const result = await readTopK(last, m, k, info);
          if (result.ok) return { index: result.index, value: result.value, jitter };
        }
        throw new Error(
          `conditionAndScoreTopK: K (n = ${n}) is not positive definite in f32 even with jitter ${JITTER_SCHEDULE.at(-1)}× the mean diagonal`,
        );
      }, onCpu);
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
          model = undefined;
          const kern = gpuKernel(spec, params, x, n);
          engine.checkMatrix(kern.nPad, n);
          const meanDiag = params.outputScale + params.noise;
          for (const jitter of [0, ...JITTER_SCHEDULE.map((s) => s * meanDiag)]) {
            const { batch, info } = recordConditioning(kern, ys, n, jitter);
            const { partial, slots } = engine.recordLikelihood(batch, kern, e);
            const tiles = (kern.nPad / 64) ** 2;
            const out = await engine.read(batch, [
              { src: info, bytes: 4 },
              { src: partial, bytes: tiles * slots * 4 },
            ]);
            if (new Uint32Array(out, 0, 1)[0] !== 0) continue;
            const parts = new Float32Array(out, 4, tiles * slots);
            const sum = new Float64Array(slots);
            for (let t = 0; t < tiles; t++) {
              for (let c = 0; c < slots; c++) sum[c]! += parts[t * slots + c]!;
            }
            const gradient = new Float64Array(e + 2);
            for (let c = 0; c < e; c++) {
              const l = params.lengthscales[c]!;
              gradient[c] = (-2 / (l * l)) * sum[c]!;
            }
            const trW = sum[e + 1]!;
            gradient[e] = sum[e]! + 0.5 * params.outputScale * trW;
            gradient[e + 1] = 0.5 * params.noise * trW;
            const value = -0.5 * sum[e + 3]! - sum[e + 2]! - 0.5 * n * Math.log(2 * Math.PI);
            return { value, gradient, jitter };
          }
          throw new Error(
            `logMarginalLikelihood: K (n = ${n}) is not positive definite in f32 even with jitter ${JITTER_SCHEDULE.at(-1)}× the mean diagonal`,
          );
        },
        () => cpuLogMarginalLikelihood(spec, params, x, ys, n),
      );
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      engine.destroy();
      if (opened.owned) device.destroy();
      model = undefined;
    },
  };

  /**
   * Uploads the points and ys, and records K (with `jitter` on the diagonal), its Cholesky (its
   * failure flag in `info`), L⁻¹ and α = K⁻¹y into a new batch.
   */
  function recordConditioning(
    kern: GpuKernel,
    ys: Float64Array,
    n: number,
    jitter: number,
  ): { batch: Batch; info: GPUBuffer } {
    engine.uploadKernel(kern);
    engine.write('y', padVector(ys, n, kern.nPad));
    const batch = engine.newBatch();
    engine.recordKernelMatrix(batch, kern, jitter);
    const info = engine.recordCholesky(batch, kern.nPad);
    engine.buffer('linv', kern.nPad * kern.nPad * 4);
    engine.recordInverse(batch, kern.nPad);
    engine.recordAlpha(batch, kern.nPad);
    return { batch, info };
  }

  /** Top k of 'acq' (m values) with one readback; `info` adds the Cholesky flag to it. */
  async function readTopK(
    batch: Batch,
    m: number,
    k: number,
    info?: GPUBuffer,
  ): Promise<TopK & { ok: boolean }> {
    const flag = info ? [{ src: info, bytes: 4 }] : [];
    if (k > GPU_TOPK_MAX) {
      const out = await engine.read(batch, [
        ...flag,
        { src: engine.buffer('acq', m * 4), bytes: m * 4 },
      ]);
      const at = info ? 4 : 0;
      const ok = !info || new Uint32Array(out, 0, 1)[0] === 0;
      return { ...topK(Float64Array.from(new Float32Array(out, at, m)), k), ok };
    }
    const { values, index } = engine.recordTopK(batch, m, k);
    const out = await engine.read(batch, [
      ...flag,
      { src: values, bytes: k * 4 },
      { src: index, bytes: k * 4 },
    ]);
    const at = info ? 4 : 0;
    return {
      ok: !info || new Uint32Array(out, 0, 1)[0] === 0,
      // The top-k shader ranks NaN and −∞ as the lowest f32; they are −∞ on the CPU.
      value: Float64Array.from(new Float32Array(out, at, k), (v) =>
        v === -F32_MAX ? Number.NEGATIVE_INFINITY : v,
      ),
      index: new Uint32Array(out, at + k * 4, k).slice(),
    };
  }

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

/** n×n Float64Array from an nPad×nPad f32 matrix; `lower` zeroes the upper triangle. */
function unpad(src: Float32Array, n: number, nPad: number, lower: boolean): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const end = lower ? i + 1 : n;
    for (let j = 0; j < end; j++) out[i * n + j] = src[i * nPad + j]!;
  }
  return out;
}
