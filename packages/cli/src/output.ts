import { importanceCaveats } from '@webtune/analysis';
import { type FrozenTrial, STALE_TRIAL_ERROR, type Study } from '@webtune/core';
import type { ParamValue } from '@webtune/space';
import type { StudyImportances } from './report.js';

/** Counts of trials by state. */
export function stateCounts(trials: readonly FrozenTrial[]): Record<FrozenTrial['state'], number> {
  const counts = { running: 0, complete: 0, failed: 0, pruned: 0 };
  for (const t of trials) counts[t.state]++;
  return counts;
}

function showValue(value: ParamValue): string {
  return typeof value === 'string' ? value : String(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** paramImportances' default number of Monte Carlo samples. */
const DEFAULT_SAMPLES = 4096;

/** Retried configurations listed by name in {@link formatRetries}; the rest are counted. */
const MAX_RETRIES_LISTED = 5;

/**
 * One line naming the configurations run again after a trial of theirs failed (exhaustive and
 * grid retry failed and stale ones), each as its trials in order with the final state:
 * `retried 1 failed configuration: trial 40 (stale) → 64 complete`; '' when there are none.
 * Trials are matched by their parameters.
 */
export function formatRetries(trials: readonly FrozenTrial[]): string {
  const byConfig = new Map<string, FrozenTrial[]>();
  for (const t of [...trials].sort((a, b) => a.number - b.number)) {
    const key = JSON.stringify(t.params);
    const same = byConfig.get(key);
    if (same) same.push(t);
    else byConfig.set(key, [t]);
  }
  // Run again after a failure: a failed trial that is not the configuration's last.
  const retried = [...byConfig.values()].filter((ts) =>
    ts.slice(0, -1).some((t) => t.state === 'failed'),
  );
  if (retried.length === 0) return '';
  const chains = retried.slice(0, MAX_RETRIES_LISTED).map((ts) => {
    const steps = ts.map(
      (t, i) =>
        `${i === 0 ? 'trial ' : ''}${t.number}${t.error === STALE_TRIAL_ERROR ? ' (stale)' : ''}`,
    );
    return `${steps.join(' → ')} ${ts.at(-1)!.state}`;
  });
  const more =
    retried.length > MAX_RETRIES_LISTED ? `; … ${retried.length - MAX_RETRIES_LISTED} more` : '';
  const n = retried.length;
  return `retried ${n} failed configuration${n === 1 ? '' : 's'}: ${chains.join('; ')}${more}\n`;
}

/**
 * The trial counts by state, then the configurations retried after failing (see
 * {@link formatRetries}), then a plain-text table of the best trial (number, value, params, then
 * its scalar user attributes — e.g. the harness's testAccuracy and epochs), ending in a newline.
 */
export function formatBest(study: Pick<Study, 'trials' | 'bestTrial'>, strategy: string): string {
  const trials = study.trials;
  const c = stateCounts(trials);
  const lines = [
    `${trials.length} trials with ${strategy}: ${c.complete} complete, ${c.failed} failed, ${c.pruned} pruned${c.running > 0 ? `, ${c.running} running` : ''}`,
  ];
  const retries = formatRetries(trials);
  if (retries) lines.push(retries.trimEnd());
  const best = study.bestTrial;
  if (best === undefined || best.value === undefined) {
    lines.push('no trial completed');
    return `${lines.join('\n')}\n`;
  }
  const rows: [string, string][] = [
    ['trial', String(best.number)],
    ['value', String(best.value)],
    ...Object.entries(best.params).map(([k, v]) => [k, showValue(v)] as [string, string]),
    ...Object.entries(best.userAttrs)
      .filter((entry): entry is [string, string | number | boolean] => isScalar(entry[1]))
      .map(([k, v]) => [k, showValue(v)] as [string, string]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  lines.push('best trial:');
  for (const [k, v] of rows) lines.push(`  ${k.padEnd(width)}  ${v}`);
  return `${lines.join('\n')}\n`;
}

/** The first non-empty line of a message (a trial's error may carry a stack or a tensor dump). */
export function oneLine(message: string): string {
  return (
    message
      .split(/\r?\n|\r/)
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

/** One line for a finished trial, for logs when there is no progress bar. */
export function formatTrialLine(trial: FrozenTrial): string {
  const params = Object.entries(trial.params)
    .map(([k, v]) => `${k}=${showValue(v)}`)
    .join(' ');
  const outcome =
    trial.state === 'failed'
      ? `failed: ${oneLine(trial.error ?? '') || 'unknown error'}`
      : `${trial.state} ${trial.value ?? ''}`.trim();
  return `trial ${trial.number} ${outcome} | ${params}\n`;
}

/**
 * One line of importances, most important first, two decimals (`importance: lr 0.80 · batch 0.19`),
 * then in parentheses what limits it (ranked by total index when interactions dominate, a poor fit,
 * a subsample); or `importance: <why not>` when there are none.
 */
export function formatImportances(found: StudyImportances): string {
  if ('skipped' in found) {
    const why = found.skipped.replace(/\.$/, '');
    return `importance: ${why.charAt(0).toLowerCase()}${why.slice(1)}\n`;
  }
  const ranked = found.params.map((p) => `${p.name} ${p.importance.toFixed(2)}`).join(' · ');
  const notes = importanceCaveats(found);
  if (found.used < found.complete) {
    notes.push(
      `fitted to ${found.used} of the ${found.complete} complete trials, evenly by number`,
    );
  }
  if (found.samples < DEFAULT_SAMPLES) {
    notes.push(
      `${found.samples} Monte Carlo samples to stay within the time budget (±${(1 / Math.sqrt(found.samples)).toFixed(2)})`,
    );
  }
  return `importance: ${ranked}${notes.length ? ` (${notes.join('; ')})` : ''}\n`;
}
