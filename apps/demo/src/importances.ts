import { type ImportanceTrial, type ParamImportance, thinByNumber } from '@webtune/analysis';
import type { TrialRow } from './state.js';

/** Importances are refitted each time this many more trials have completed, and when the study stops. */
export const IMPORTANCE_EVERY = 5;
/** The fit is O(n³): above this many complete trials it uses this many, evenly spread by number. */
export const IMPORTANCE_MAX_TRIALS = 300;

/** What the importance panel shows (a field of the page's `RunState`). */
export interface ImportanceReport {
  /** Complete trials the shown importances were fitted to (0 before the first fit). */
  basedOn: number;
  /** Most important first, normalised to sum 1 (@webtune/analysis `importanceReport`, measure 'auto'). */
  params: ParamImportance[];
  /** What to know before trusting the ranking (@webtune/analysis `importanceCaveats`); empty for a clean fit. */
  caveats: string[];
  /** Why the latest fit failed (e.g. all values equal); null when it succeeded. */
  error: string | null;
  /** Complete trials of the fit in progress, or null. */
  computing: number | null;
}

/** Fits importances to complete trials (off the study's thread: a worker). */
export type ComputeImportances = (
  trials: ImportanceTrial[],
) => Promise<{ params: ParamImportance[]; caveats: string[] }>;

/**
 * Whether to refit with `complete` complete trials after the last fit used `last`: at every
 * multiple of `every` crossed, and once more when the study has stopped; never below 2.
 */
export function importanceDue(
  complete: number,
  last: number,
  stopped: boolean,
  every = IMPORTANCE_EVERY,
): boolean {
  if (complete < 2 || complete === last) return false;
  return stopped || Math.floor(complete / every) > Math.floor(last / every);
}

/**
 * The complete trials as importance takes them, at most `max`, evenly spread by trial number
 * (@webtune/analysis `thinByNumber`, as `webtune run` and its report thin them).
 */
export function importanceTrials(
  rows: readonly TrialRow[],
  max = IMPORTANCE_MAX_TRIALS,
): ImportanceTrial[] {
  const complete = rows
    .filter((r) => r.state === 'complete' && r.valAccuracy !== null)
    .map((r) => ({
      number: r.number,
      state: r.state,
      params: r.params as ImportanceTrial['params'],
      value: r.valAccuracy,
    }));
  return thinByNumber(complete, max);
}

/**
 * Keeps a study's importances current without holding up its trials: `update` (called on every
 * change) starts a fit when one is {@link importanceDue} and none is running, and only notes the
 * newest rows otherwise; the fit that ends picks them up. `cancel` stops reporting.
 */
export function createImportanceScheduler(
  compute: ComputeImportances,
  onChange: (report: ImportanceReport) => void,
  every = IMPORTANCE_EVERY,
) {
  const report: ImportanceReport = {
    basedOn: 0,
    params: [],
    caveats: [],
    error: null,
    computing: null,
  };
  let last = 0;
  let latest: { rows: readonly TrialRow[]; stopped: boolean } | undefined;
  let cancelled = false;

  const next = (): void => {
    if (cancelled || report.computing !== null || !latest) return;
    const trials = importanceTrials(latest.rows);
    const complete = latest.rows.filter((r) => r.state === 'complete').length;
    if (!importanceDue(complete, last, latest.stopped, every)) return;
    last = complete;
    report.computing = complete;
    onChange(report);
    compute(trials)
      .then(
        ({ params, caveats }) =>
          Object.assign(report, { basedOn: complete, params, caveats, error: null }),
        (error: unknown) =>
          Object.assign(report, { error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        if (cancelled) return;
        report.computing = null;
        onChange(report);
        next();
      });
  };

  return {
    report,
    /** The study's rows after a change; `stopped` once it will start no more trials. */
    update(rows: readonly TrialRow[], stopped: boolean): void {
      latest = { rows, stopped };
      next();
    },
    cancel(): void {
      cancelled = true;
    },
  };
}
