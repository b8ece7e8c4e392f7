import { createSpace, isSpace, type Space, type SpaceJSON } from '@webtune/space';

/**
 * Seconds per unit of work of {@link importanceReport}, measured on a 2-core AMD EPYC VM (Node 20,
 * shared with other jobs): the GP fit costs about `FIT_PER_DIM`·n²·D + `FIT_PER_PARAM`·n²·k (the
 * distances over the D encoded dimensions, the k lengthscales' gradients, times the optimiser's
 * evaluations) and the Monte Carlo part `MC_PER_UNIT`·N·(k + 2)·n·D (N·(k + 2) posterior means,
 * each n kernel values over D dimensions), for n trials and N samples. Reproduced within 10–50%:
 * 200 floats at 100 trials, 2.2 s + 89 s (model: 2.2 s + 58 s); one 10,000-choice categorical and a
 * float at 100 trials, 4.4 s + 38 s (4.4 s + 56 s).
 */
const FIT_PER_DIM = 4.4e-8;
const FIT_PER_PARAM = 1.06e-6;
const MC_PER_UNIT = 3.5e-9;
/** Bytes the Monte Carlo part holds per sample and encoded dimension: A, B, AB_i and the model points, f64. */
const BYTES_PER_SAMPLE_DIM = 32;

/** Limits of {@link importancePlan}; every field has a default. */
export interface ImportanceBudget {
  /** Estimated seconds (on the machine the constants were measured on). Default 5. */
  seconds?: number;
  /** Estimated bytes of the Monte Carlo sample. Default 256 MiB. */
  bytes?: number;
  /** Most complete trials to fit (the fit is O(n³)). Default 300. */
  maxTrials?: number;
  /** Fewest trials worth fitting when cutting trials to fit the budget. Default 50. */
  minTrials?: number;
  /** Monte Carlo samples N at most. Default 4096 (paramImportances' default). */
  samples?: number;
  /** Fewest samples worth drawing (the indices' error grows as 1/√N: ≈ 0.03 at 1024). Default 1024. */
  minSamples?: number;
}

/** What {@link importancePlan} decided: the options to run with and their estimated cost, or why not. */
export type ImportancePlan =
  | { samples: number; maxTrials: number; seconds: number; bytes: number }
  | { skipped: string };

/**
 * How to run {@link importanceReport} within a time and memory budget, decided from the sizes
 * alone (so the same study gets the same answer on any machine): the most samples (a power of 2,
 * 4096 down to `minSamples`) and then the most trials (`maxTrials` down to `minTrials`) whose
 * estimated cost fits; or, when even the smallest does not, `skipped`, one sentence saying what
 * it would take. See the cost model above `FIT_PER_DIM`.
 */
export function importancePlan(
  space: Space | SpaceJSON,
  complete: number,
  budget: ImportanceBudget = {},
): ImportancePlan {
  const s = isSpace(space) ? space : createSpace(space);
  const {
    seconds: maxSeconds = 5,
    bytes: maxBytes = 256 * 2 ** 20,
    maxTrials = 300,
    minTrials = 50,
    samples: maxSamples = 4096,
    minSamples = 1024,
  } = budget;
  const D = s.dims;
  const k = s.names.length;
  const fit = (n: number) => n * n * (FIT_PER_DIM * D + FIT_PER_PARAM * k);
  const seconds = (n: number, N: number) => fit(n) + MC_PER_UNIT * N * (k + 2) * n * D;
  const bytes = (N: number) => BYTES_PER_SAMPLE_DIM * N * D;
  const nFull = Math.min(maxTrials, complete);
  const lowest = Math.min(minSamples, maxSamples);
  let N = maxSamples;
  while (N / 2 >= lowest && (bytes(N) > maxBytes || seconds(nFull, N) > maxSeconds)) N /= 2;
  if (bytes(N) > maxBytes) {
    return {
      skipped: `Skipped: ${D} encoded dimensions (${describeWidth(s)}) would need about ${mib(bytes(N))} at ${N} Monte Carlo samples, more than the ${mib(maxBytes)} allowed.`,
    };
  }
  let n = nFull;
  const floor = Math.min(minTrials, nFull);
  while (n > floor && seconds(n, N) > maxSeconds) n = Math.max(floor, Math.floor(n * 0.9));
  if (seconds(n, N) > maxSeconds) {
    return {
      skipped: `Skipped: ${k} parameters and ${nFull} complete trials would take about ${Math.round(seconds(nFull, maxSamples))} s to rank (a GP fit and ${maxSamples}·${k + 2} evaluations of its mean), more than the ${maxSeconds} s allowed; paramImportances from @webtune/analysis computes it without a limit.`,
    };
  }
  return { samples: N, maxTrials: n, seconds: seconds(n, N), bytes: bytes(N) };
}

function mib(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${Math.round(b / 2 ** 20)} MiB`;
}

/** "a 10000-choice categorical" for the widest categorical, else "200 parameters". */
function describeWidth(s: Space): string {
  const widest = [...s.categoricalGroups].sort((a, b) => b.size - a.size)[0];
  return widest !== undefined && widest.size * 2 > s.dims
    ? `a ${widest.size}-choice categorical, ${widest.param}, one-hot`
    : `${s.names.length} parameters`;
}
