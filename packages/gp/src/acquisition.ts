import { dLogH, h, logH, normCdf, normPdf } from './special.js';
import type { AcquisitionSpec } from './types.js';

/** Default exploration weight β of ucb (√β = 2 standard deviations). */
export const DEFAULT_UCB_BETA = 4;

function resolve(acq: AcquisitionSpec): { best: number; xi: number; sqrtBeta: number } {
  const { kind, best } = acq;
  if (kind !== 'ei' && kind !== 'logEI' && kind !== 'pi' && kind !== 'ucb') {
    throw new Error(`acquisition.kind: '${String(kind)}' must be 'ei', 'logEI', 'pi' or 'ucb'`);
  }
  const xi = acq.xi ?? 0;
  const beta = acq.beta ?? DEFAULT_UCB_BETA;
  if (kind !== 'ucb' && !Number.isFinite(best)) {
    throw new Error(`acquisition.best: ${best} must be finite for '${kind}'`);
  }
  if (!(xi >= 0) || !Number.isFinite(xi))
    throw new Error(`acquisition.xi: ${xi} must be finite and ≥ 0`);
  if (!(beta >= 0) || !Number.isFinite(beta)) {
    throw new Error(`acquisition.beta: ${beta} must be finite and ≥ 0`);
  }
  return { best, xi, sqrtBeta: Math.sqrt(beta) };
}

/**
 * Acquisition values of m candidates from their posterior (minimisation, standardised units,
 * larger is better), with σ = √variance and z = (best − ξ − μ)/σ:
 * - ei: σ·(φ(z) + zΦ(z)) — underflows to 0 for z ≲ −38;
 * - logEI: log σ + log h(z), finite for every finite z (Ament et al. 2023);
 * - pi: Φ(z);
 * - ucb: −(μ − √β·σ), the negated lower confidence bound.
 * @param mean m. @param variance m, > 0 (as returned by {@link posterior}).
 * @returns m values (a new array, or `out`).
 */
export function acquisitionValues(
  acq: AcquisitionSpec,
  mean: Float64Array,
  variance: Float64Array,
  out?: Float64Array,
): Float64Array {
  const { best, xi, sqrtBeta } = resolve(acq);
  const m = mean.length;
  if (variance.length !== m) {
    throw new Error(`variance: length ${variance.length} must equal mean's length ${m}`);
  }
  const res = out ?? new Float64Array(m);
  const target = best - xi;
  const code = KIND_CODE[acq.kind];
  for (let i = 0; i < m; i++)
    res[i] = acquisitionAt(code, target, sqrtBeta, mean[i]!, variance[i]!);
  return res;
}

/** Numeric codes of the acquisition kinds for {@link acquisitionAt}. */
export const KIND_CODE = { ei: 0, logEI: 1, pi: 2, ucb: 3 } as const;

/**
 * One acquisition value (unchecked): `code` from {@link KIND_CODE}, `target` = best − ξ. Shared by
 * every CPU path so that they agree bit for bit.
 */
export function acquisitionAt(
  code: number,
  target: number,
  sqrtBeta: number,
  mean: number,
  variance: number,
): number {
  const s = Math.sqrt(variance);
  if (code === 3) return sqrtBeta * s - mean;
  const z = (target - mean) / s;
  if (code === 0) return s * h(z);
  if (code === 1) return Math.log(s) + logH(z);
  return normCdf(z);
}

/** Validated best − ξ and √β of a spec. */
export function resolveAcquisition(acq: AcquisitionSpec): { target: number; sqrtBeta: number } {
  const { best, xi, sqrtBeta } = resolve(acq);
  return { target: best - xi, sqrtBeta };
}

/**
 * One acquisition value and its gradient with respect to the input, by the chain rule through
 * the posterior: ∂a/∂x = ∂a/∂μ·∂μ/∂x + ∂a/∂σ²·∂σ²/∂x. Pass `mean`, `variance`, `dMean`,
 * `dVariance` as returned by {@link posteriorWithGradient}.
 * @returns value and grad (length of dMean).
 */
export function acquisitionWithGradient(
  acq: AcquisitionSpec,
  mean: number,
  variance: number,
  dMean: Float64Array,
  dVariance: Float64Array,
): { value: number; grad: Float64Array } {
  const { best, xi, sqrtBeta } = resolve(acq);
  const s = Math.sqrt(variance);
  const z = (best - xi - mean) / s;
  let value: number;
  let dmu: number; // ∂a/∂μ
  let dsigma: number; // ∂a/∂σ
  switch (acq.kind) {
    case 'ei':
      value = s * h(z);
      dmu = -normCdf(z);
      dsigma = normPdf(z);
      break;
    case 'logEI': {
      value = Math.log(s) + logH(z);
      const r = dLogH(z); // ∂ log h/∂z
      dmu = -r / s;
      dsigma = (1 - z * r) / s;
      break;
    }
    case 'pi': {
      value = normCdf(z);
      const p = normPdf(z);
      dmu = -p / s;
      dsigma = (-z * p) / s;
      break;
    }
    default:
      value = sqrtBeta * s - mean;
      dmu = -1;
      dsigma = sqrtBeta;
  }
  const dvar = dsigma / (2 * s);
  const grad = new Float64Array(dMean.length);
  for (let i = 0; i < grad.length; i++) grad[i] = dmu * dMean[i]! + dvar * dVariance[i]!;
  return { value, grad };
}
