import type { Config, SpaceJSON } from '@webtune/space';
import type {
  FrozenTrial,
  GetTrialsOptions,
  NewTrial,
  StudyMeta,
  TrialChange,
  TrialState,
} from './types.js';

/*
 * What the persistent storages (fileStorage, indexedDBStorage) share: checking a stored study's
 * metadata against the study being opened, and validating a stored trial before the study adopts it.
 */

const STATES: readonly TrialState[] = ['running', 'complete', 'failed', 'pruned'];

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** JSON with sorted object keys, so two spaces compare equal whatever their key order inside a parameter. */
function stable(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(stable).join(',')}]`;
  if (isObject(x)) {
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(x[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(x) ?? 'null';
}

/** The parameters that differ between two spaces: added, removed or changed, in declaration order. */
function spaceDiff(stored: SpaceJSON, wanted: SpaceJSON): string {
  const out: string[] = [];
  for (const [name, p] of Object.entries(stored)) {
    if (!(name in wanted)) out.push(`${name} only in the stored study`);
    else if (stable(p) !== stable(wanted[name])) {
      out.push(`${name} is ${JSON.stringify(p)} there, ${JSON.stringify(wanted[name])} here`);
    }
  }
  for (const name of Object.keys(wanted)) {
    if (!(name in stored)) out.push(`${name} only in this study`);
  }
  return out.join('; ');
}

/**
 * Throws when `wanted` cannot continue the study stored as `stored` (another direction or space),
 * naming both values; `warn`s when only the strategy, the seed or the order the parameters are
 * declared in differ (allowed, as in Optuna, but the continuation is then not the run an
 * uninterrupted study would have made: strategies encode parameters in declaration order).
 */
export function checkStudyMeta(
  where: string,
  stored: StudyMeta,
  wanted: StudyMeta,
  warn: (message: string) => void,
): void {
  if (stored.direction !== wanted.direction) {
    throw new Error(
      `${where} holds a study with direction "${stored.direction}", but this study's direction is "${wanted.direction}"`,
    );
  }
  if (stable(stored.space) !== stable(wanted.space)) {
    throw new Error(
      `${where} holds a study with a different space (${spaceDiff(stored.space, wanted.space)}): stored ${JSON.stringify(stored.space)}, this study ${JSON.stringify(wanted.space)}`,
    );
  }
  if (stored.strategy !== wanted.strategy) {
    warn(
      `${where} was written with strategy "${stored.strategy}"; continuing with "${wanted.strategy}"`,
    );
  }
  if (stored.seed !== wanted.seed) {
    warn(`${where} was written with seed ${stored.seed}; continuing with seed ${wanted.seed}`);
  }
  const storedOrder = Object.keys(stored.space).join(', ');
  const wantedOrder = Object.keys(wanted.space).join(', ');
  if (storedOrder !== wantedOrder) {
    warn(
      `${where} was written with the parameters in the order ${storedOrder}; continuing with ${wantedOrder} (strategies encode parameters in declaration order, so the continuation differs from an uninterrupted run)`,
    );
  }
}

/** `x` as StudyMeta, or throws naming the field that is wrong. */
export function parseStudyMeta(x: unknown): StudyMeta {
  if (!isObject(x)) throw new Error('the study record is not an object');
  const { direction, space, strategy, seed } = x;
  if (direction !== 'minimize' && direction !== 'maximize') {
    throw new Error(`study direction (${JSON.stringify(direction)}) is not minimize or maximize`);
  }
  if (!isObject(space)) throw new Error(`study space (${JSON.stringify(space)}) is not an object`);
  if (typeof strategy !== 'string') {
    throw new Error(`study strategy (${JSON.stringify(strategy)}) is not a string`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`study seed (${JSON.stringify(seed)}) is not a safe integer`);
  }
  return { direction, space: space as SpaceJSON, strategy, seed: seed as number };
}

/** The trial fields a journal's update delta may set: those that change while a trial runs. */
export const TRIAL_SCALARS = ['state', 'value', 'error', 'startedAt', 'durationMs'] as const;
export type TrialScalar = (typeof TRIAL_SCALARS)[number];

/** Throws, naming the field, when `v` is not a valid `field` of trial `number` (undefined where optional). */
function checkScalar(number: unknown, field: TrialScalar, v: unknown): void {
  const want =
    field === 'state'
      ? STATES.includes(v as TrialState) || STATES.join(' | ')
      : field === 'error'
        ? v === undefined || typeof v === 'string' || 'a string'
        : field === 'value'
          ? v === undefined || Number.isFinite(v) || 'a finite number'
          : (v === undefined && field === 'durationMs') || Number.isFinite(v) || 'a number';
  if (want !== true) {
    throw new Error(`trial ${String(number)}: ${field} (${JSON.stringify(v)}) is not ${want}`);
  }
}

const isReport = (r: unknown): r is { step: number; value: number } =>
  isObject(r) && Number.isFinite(r.step) && Number.isFinite(r.value);

/**
 * `x` as a frozen FrozenTrial (params, intermediate values and user attributes frozen too, as the
 * study's own snapshots are), or throws naming the field that is wrong.
 */
export function parseTrial(x: unknown): FrozenTrial {
  if (!isObject(x)) throw new Error('the trial is not an object');
  const {
    number,
    params,
    state,
    value,
    error,
    intermediate,
    userAttrs,
    startedAt,
    durationMs,
    retryOf,
  } = x;
  const bad = (field: string, v: unknown, want: string) =>
    new Error(`trial ${String(number)}: ${field} (${JSON.stringify(v)}) is not ${want}`);
  if (!(Number.isSafeInteger(number) && (number as number) >= 0)) {
    throw bad('number', number, 'an integer >= 0');
  }
  if (!isObject(params)) throw bad('params', params, 'an object');
  for (const field of ['state', 'value', 'error'] as const) checkScalar(number, field, x[field]);
  if (!Array.isArray(intermediate) || !intermediate.every(isReport)) {
    throw bad('intermediate', intermediate, 'an array of { step, value }');
  }
  if (!isObject(userAttrs)) throw bad('userAttrs', userAttrs, 'an object');
  for (const field of ['startedAt', 'durationMs'] as const) checkScalar(number, field, x[field]);
  if (retryOf !== undefined && !(Number.isSafeInteger(retryOf) && (retryOf as number) >= 0)) {
    throw bad('retryOf', retryOf, 'an integer >= 0');
  }
  const out: Record<string, unknown> = {
    number,
    params: Object.freeze({ ...(params as Config) }),
    state,
    intermediate: Object.freeze(
      intermediate.map((r: { step: number; value: number }) =>
        Object.freeze({ step: r.step, value: r.value }),
      ),
    ),
    userAttrs: Object.freeze({ ...userAttrs }),
    startedAt,
  };
  if (value !== undefined) out.value = value;
  if (error !== undefined) out.error = error;
  if (durationMs !== undefined) out.durationMs = durationMs;
  if (retryOf !== undefined) out.retryOf = retryOf;
  return Object.freeze(out) as unknown as FrozenTrial;
}

const NO_REPORTS: FrozenTrial['intermediate'] = Object.freeze([]);
const NO_ATTRS: FrozenTrial['userAttrs'] = Object.freeze({});

/** Trial `number` as a storage creates it from `trial`: running, no reports, no attributes. */
export function createdTrial(number: number, trial: NewTrial): FrozenTrial {
  const out: Record<string, unknown> = {
    number,
    params: trial.params,
    state: 'running',
    intermediate: NO_REPORTS,
    userAttrs: NO_ATTRS,
    startedAt: trial.startedAt,
  };
  if (trial.retryOf !== undefined) out.retryOf = trial.retryOf;
  return Object.freeze(out) as unknown as FrozenTrial;
}

/**
 * `trial` with `change` applied (see `TrialChange`): intermediate values appended unless their
 * step is already held (the first value stays), user attributes set, finishing fields set. A new
 * frozen object; `trial` is unchanged.
 */
export function applyChange(trial: FrozenTrial, change: TrialChange): FrozenTrial {
  const out: Record<string, unknown> = { ...trial };
  if (change.intermediate !== undefined && change.intermediate.length > 0) {
    const held = new Set(trial.intermediate.map((r) => r.step));
    const added = change.intermediate.filter((r) => !held.has(r.step) && held.add(r.step));
    if (added.length > 0) {
      out.intermediate = Object.freeze([
        ...trial.intermediate,
        ...added.map((r) => Object.freeze({ step: r.step, value: r.value })),
      ]);
    }
  }
  if (change.userAttrs !== undefined && Object.keys(change.userAttrs).length > 0) {
    const attrs: Record<string, unknown> = { ...trial.userAttrs };
    for (const [key, value] of Object.entries(change.userAttrs)) {
      Object.defineProperty(attrs, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    out.userAttrs = Object.freeze(attrs);
  }
  for (const field of ['state', 'value', 'error', 'durationMs'] as const) {
    if (change[field] !== undefined) out[field] = change[field];
  }
  return Object.freeze(out) as unknown as FrozenTrial;
}

/**
 * The trials of `trials` (indexed by number: `trials[n].number === n`) that `options` select:
 * every one, or those numbered `from` or more and those in `numbers`, ordered by number.
 */
export function selectTrials(
  trials: readonly FrozenTrial[],
  options: GetTrialsOptions | undefined,
): FrozenTrial[] {
  if (options === undefined || (options.from === undefined && options.numbers === undefined)) {
    return trials.slice();
  }
  const from = options.from ?? trials.length;
  const picked = new Set<number>();
  for (const n of options.numbers ?? []) if (n < from && trials[n] !== undefined) picked.add(n);
  return [...[...picked].sort((a, b) => a - b).map((n) => trials[n]!), ...trials.slice(from)];
}

/** What a journal's delta update record changes in trial `number` (see fileStorage). */
export interface TrialDelta {
  number: number;
  /** New values of the fields named. */
  set: Partial<Record<TrialScalar, unknown>>;
  /** User attributes added or changed. */
  attrs: Record<string, unknown> | undefined;
  /** Intermediate values appended, in report order. */
  append: { step: number; value: number }[];
}

/**
 * A delta update record (`{"op":"update","number":N,"set"?:{…},"attrs"?:{…},"append"?:[[step,
 * value],…]}`) as a TrialDelta, or throws naming the field that is wrong.
 */
export function parseTrialDelta(x: Record<string, unknown>): TrialDelta {
  const { number, set = {}, attrs, append = [] } = x;
  const bad = (field: string, v: unknown, want: string) =>
    new Error(
      `trial ${String(number)}: ${field} (${JSON.stringify(v)?.slice(0, 200)}) is not ${want}`,
    );
  if (!(Number.isSafeInteger(number) && (number as number) >= 0)) {
    throw bad('number', number, 'an integer >= 0');
  }
  if (!isObject(set)) throw bad('set', set, 'an object');
  for (const [field, v] of Object.entries(set)) {
    if (!(TRIAL_SCALARS as readonly string[]).includes(field)) {
      throw bad(`set.${field}`, v, `a field a delta sets (${TRIAL_SCALARS.join(', ')})`);
    }
    checkScalar(number, field as TrialScalar, v);
  }
  if (attrs !== undefined && !isObject(attrs)) throw bad('attrs', attrs, 'an object');
  if (
    !Array.isArray(append) ||
    !append.every(
      (e) => Array.isArray(e) && e.length === 2 && Number.isFinite(e[0]) && Number.isFinite(e[1]),
    )
  ) {
    throw bad('append', append, 'an array of [step, value]');
  }
  return {
    number: number as number,
    set,
    attrs,
    append: append.map((e: [number, number]) => ({ step: e[0], value: e[1] })),
  };
}
