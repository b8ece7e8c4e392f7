import {
  type Config,
  createSpace,
  explainNonMember,
  type ParamValue,
  type Space,
  type SpaceJSON,
  type TypedSpace,
} from '@webtune/space';
import { errorMessage, isTrialFinished, isTrialPruned } from './errors.js';
import { applyChange, parseStudyMeta, parseTrial } from './persist.js';
import { noPruner } from './pruners.js';
import { memoryStorage } from './storage.js';
import type {
  Direction,
  FrozenTrial,
  Objective,
  Pruner,
  Storage,
  Strategy,
  StudyMeta,
  SuggestContext,
  Trial,
  TrialChange,
  TrialHistory,
  TrialState,
} from './types.js';

/**
 * Options of {@link createStudy}. `C` is the configuration type, taken from a space built with
 * `space()` from `@webtune/space`; `Config` for a plain `Space` or JSON.
 */
export interface StudyOptions<C extends Config = Config> {
  /**
   * The search space, built or as canonical JSON (validated here). A space built with `space()`
   * types the study: `objective(params)`, `ask()`, `bestTrial` and `trials` see its configurations.
   */
  space: TypedSpace<C> | Space | SpaceJSON;
  /** Proposes the configurations to try (`@webtune/strategies`, or any {@link Strategy}). */
  strategy: Strategy<NoInfer<C>>;
  /** Default 'minimize'. */
  direction?: Direction;
  /** Seed of every random choice the strategy makes (passed to it in each `SuggestContext`). Default 0. */
  seed?: number;
  /**
   * Where trials are written. Default `memoryStorage()`. On first use the study opens it (a
   * persistent storage checks the direction and space against the stored study) and resumes the
   * trials already in it; see {@link Study.load}.
   */
  storage?: Storage;
  /**
   * On resume, replay the strategy over the stored trials: one `suggest` per stored trial, shown
   * the trials before it, results discarded, so a seeded strategy's random stream (random, Sobol,
   * a shuffled grid) continues where an uninterrupted run would be instead of starting over.
   * Exact for studies run one trial at a time without enqueued configurations. It costs one
   * suggestion per stored trial: set false for model-based strategies on long studies, whose
   * suggestions follow from the history anyway. Default true.
   */
  replayStrategy?: boolean;
  /** Default `noPruner()`. */
  pruner?: Pruner;
  /** A name for the study (shown by front ends; not stored). */
  name?: string;
  /**
   * The study's name in a storage holding many studies (`postgresStorage`), as Optuna's
   * `study_name`: the study opened or created there. Default `name`.
   */
  studyName?: string;
  /**
   * When false, a study already in the storage is an error (`StudyExistsError`), as Optuna's
   * `load_if_exists=False`. Default true: it is resumed.
   */
  loadIfExists?: boolean;
  /**
   * With a `concurrent` storage: run the configuration of a trial failed as stale (its worker
   * stopped) once more, as a new trial recorded as its retry (`retryOf`), as Optuna's
   * RetryFailedTrialCallback. A retry is not retried again. Default true.
   */
  retryStale?: boolean;
  /** Receives warnings (a step reported twice). Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** Options of {@link Study.optimize}. */
export interface OptimizeOptions<C extends Config = Config> {
  /** Maximum number of trials to start in this call (failed and pruned ones count). */
  trials?: number;
  /**
   * Stop starting trials after this many milliseconds and abort the running trials' signals. A
   * suggestion in progress is not waited for (see `SuggestContext.signal`).
   */
  timeoutMs?: number;
  /** Objectives in flight at once. Default 1. */
  concurrency?: number;
  /** Aborting it stops the run like the timeout does, a suggestion in progress included. */
  signal?: AbortSignal;
  /**
   * Stop once the study holds this many trials, every writer's counted (retries of failed
   * trials are not, and may still start): the storage checks it as it creates each trial, so
   * workers sharing a study stop together at exactly this many (Optuna's MaxTrialsCallback).
   */
  studyTrials?: number;
  /** Called (and awaited) after each trial finishes; throwing stops the run and rethrows. */
  onTrialComplete?: (trial: FrozenTrial<C>, study: Study<C>) => void | Promise<void>;
}

/** Why `optimize` returned. */
export type StopReason = 'trials' | 'exhausted' | 'timeout' | 'aborted';

/** What {@link Study.optimize} resolves to: how many trials it ran and why it stopped. */
export interface OptimizeResult {
  /** Trials started (and finished) by this call. */
  trials: number;
  /** 'trials': the budget was used; 'exhausted': the strategy had nothing more; 'timeout'; 'aborted': the signal. */
  reason: StopReason;
}

/** What `tell` records: a value (non-finite → failed), a failure with its reason, or a pruning. */
export type TellValue = number | { state: 'failed'; error: string } | { state: 'pruned' };

/** One trial in {@link StudyJSON}. `value` is null when there is none; `durationMs` null while running. */
export interface TrialJSON {
  number: number;
  params: Config;
  value: number | null;
  state: TrialState;
  error?: string;
  intermediate?: { step: number; value: number }[];
  userAttrs?: Record<string, unknown>;
  startedAt: number;
  durationMs: number | null;
}

/** The study as JSON (what `webtune run --out` writes). */
export interface StudyJSON {
  direction: Direction;
  strategy: string;
  seed: number;
  space: SpaceJSON;
  trials: TrialJSON[];
  best: { number: number; params: Config; value: number } | null;
}

/** What {@link Study.load} found in the storage. */
export interface LoadResult<C extends Config = Config> {
  /** The trials resumed from the storage, ordered by number (stale running ones now failed). */
  trials: readonly FrozenTrial<C>[];
  /** Numbers of the trials that were running in the storage and are now failed as stale. */
  stale: readonly number[];
}

/** The error of a trial that was still running in the storage when the study resumed. */
export const STALE_TRIAL_ERROR =
  'stale: the trial was running when the study resumed (the process running it stopped before it finished)';

/**
 * A study: the trials of one optimisation, their strategy, direction, seed, storage and pruner.
 * `C` is the configuration type (the space's when built with `space()`, else `Config`).
 */
export interface Study<C extends Config = Config> {
  readonly name: string | undefined;
  readonly space: Space;
  readonly strategy: Strategy<C>;
  readonly direction: Direction;
  readonly seed: number;
  readonly storage: Storage;
  readonly pruner: Pruner;
  /** A snapshot of every trial, ordered by number (running ones included). */
  readonly trials: FrozenTrial<C>[];
  /** The best complete trial by direction (earliest on ties); undefined when none completed. Kept as trials finish: O(1). */
  readonly bestTrial: FrozenTrial<C> | undefined;
  /** The best trial's value; undefined when none completed. */
  readonly bestValue: number | undefined;
  /** How many trials are in each state, kept as trials change: O(1), no copy of `trials`. */
  readonly counts: Readonly<Record<TrialState, number>>;
  /**
   * Opens the storage and resumes its trials, once (ask, tell and optimize call it first; call it
   * yourself to see what was resumed before running). It calls `storage.openStudy` with the
   * study's direction, space, strategy name and seed (a mismatched direction or space throws
   * here, before any trial starts), adopts the stored trials, fails the ones still 'running' (their
   * process is gone; as in Optuna's fail_stale_trials) with {@link STALE_TRIAL_ERROR}, and
   * replays the strategy (see `replayStrategy`). A failed load is retried by the next call.
   */
  load(): Promise<LoadResult<C>>;
  /**
   * Starts the next trial: the oldest enqueued configuration, else the strategy's next suggestion.
   * Resolves to undefined when the strategy has nothing to suggest: with no trial running it is
   * exhausted and the study stops asking it; while trials run, a later ask asks it again. Throws
   * when the strategy suggests a configuration outside the space.
   */
  ask(): Promise<Trial<C> | undefined>;
  /**
   * Finishes a running trial: a finite number completes it; NaN / ±Infinity fail it with
   * "objective returned NaN" (or Infinity); `{ state: 'failed', error }` fails it;
   * `{ state: 'pruned' }` prunes it with its last intermediate value. Telling a finished trial
   * throws. Resolves once the change is in storage.
   */
  tell(trial: Trial<C> | number, value: TellValue): Promise<FrozenTrial<C>>;
  /** Queues a configuration to run before any strategy suggestion. Throws SpaceError if it is not in the space. */
  enqueue(config: C): void;
  /**
   * Runs `objective` on trial after trial, up to `concurrency` at once, until `trials` have been
   * started, the strategy is exhausted, the timeout passes or the signal aborts (running trials
   * then get their `trial.signal` aborted and are awaited: nothing is lost). A stop while the
   * strategy is still computing a suggestion returns at once: the strategy sees its
   * `SuggestContext.signal` abort, and configurations it still returns are kept for the next ask,
   * which waits for them. Only a strategy that yields can be interrupted: one that computes
   * synchronously holds the event loop, timers included, until it returns. A throwing objective
   * fails its trial with the message; a non-finite or non-number result fails it with the reason;
   * `TrialPruned` prunes it. Strategy, storage and `onTrialComplete` errors stop the run and are
   * rethrown after the running trials finish. Needs `trials`, `timeoutMs`, `signal` or a strategy
   * with `finite: true`.
   */
  optimize(objective: Objective<C>, options?: OptimizeOptions<C>): Promise<OptimizeResult>;
  /** The study as JSON (what `webtune run --out` writes); {@link parseStudyJSON} reads it back. */
  toJSON(): StudyJSON;
  /**
   * The trials as CSV (RFC 4180 quoting, `\n` line ends, header line first):
   * `number,state,value,<param names in declaration order>,durationMs,error`; inactive
   * parameters, missing values and running durations are empty cells.
   */
  toCSV(): string;
}

interface TrialRecord {
  frozen: FrozenTrial;
  /** Present while a trial started by this study runs; dropped once it finishes (memory per trial). */
  controller: AbortController | undefined;
  handle: Trial | undefined;
  /** performance.now() at start, for a monotonic duration. */
  t0: number;
}

function show(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'number' || typeof x === 'boolean' || x === undefined || x === null) {
    return String(x);
  }
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/** `x` for a message: like show(), but NaN and ±Infinity nested in arrays and objects stay visible. */
function showValue(x: unknown): string {
  try {
    const text = JSON.stringify(x, (_k, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? `<${v}>` : v,
    );
    if (text === undefined || typeof x !== 'object' || x === null) return show(x);
    return text.replace(/"<(NaN|-?Infinity)>"/g, '$1');
  } catch {
    return String(x);
  }
}

/** Why an objective's result `x`, not a number primitive, fails its trial. */
function notANumber(x: unknown): string {
  if (typeof x === 'bigint') {
    return `objective returned the bigint ${x}n; return a number (Number(value))`;
  }
  if (x instanceof Number) {
    return `objective returned a Number object (${x.valueOf()}), not a number; return the primitive (value.valueOf())`;
  }
  if (x === undefined) return 'objective returned undefined (expected a number): a missing return?';
  return `objective returned ${show(x)} (${Array.isArray(x) ? 'an array' : `a ${x === null ? 'null' : typeof x}`}; expected a number)`;
}

/**
 * Why `x` is not a JSON value (finite number, string, boolean, null, or an array or plain object
 * of those), naming where inside it (`.a[2] is NaN`); undefined when it is one.
 */
function notJSON(x: unknown, at = '', seen = new Set<object>()): string | undefined {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return undefined;
  if (typeof x === 'number') return Number.isFinite(x) ? undefined : `${at || 'it'} is ${x}`;
  if (typeof x !== 'object')
    return `${at || 'it'} is ${typeof x === 'undefined' ? 'undefined' : `a ${typeof x}`}`;
  if (seen.has(x)) return `${at || 'it'} refers to itself (a cycle)`;
  const proto = Object.getPrototypeOf(x);
  if (!Array.isArray(x) && proto !== Object.prototype && proto !== null) {
    return `${at || 'it'} is a ${proto?.constructor?.name ?? 'non-plain object'}, not a plain object`;
  }
  seen.add(x);
  const entries: [string, unknown][] = Array.isArray(x)
    ? x.map((v, i) => [`${at}[${i}]`, v])
    : Object.entries(x).map(([k, v]) => [`${at}.${k}`, v]);
  for (const [where, v] of entries) {
    const why = notJSON(v, where, seen);
    if (why !== undefined) return why;
  }
  seen.delete(x);
  return undefined;
}

/** The longest delay setTimeout honours (2^31 − 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const now = (): number => (typeof performance === 'undefined' ? Date.now() : performance.now());

/**
 * Waits for `p` unless `stop` aborts first: resolves to `{ value }`, or to undefined once `stop`
 * aborts. `p` keeps running either way, and its later rejection is handled here.
 */
function untilStopped<T>(
  p: Promise<T>,
  stop: AbortSignal | undefined,
): Promise<{ value: T } | undefined> {
  if (stop === undefined) return p.then((value) => ({ value }));
  if (stop.aborted) {
    p.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    stop.addEventListener('abort', onAbort, { once: true });
    p.then(
      (value) => {
        stop.removeEventListener('abort', onAbort);
        resolve({ value });
      },
      (error: unknown) => {
        stop.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function csvCell(x: unknown): string {
  if (x === undefined || x === null) return '';
  const s = String(x);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function isStrategy(x: unknown): x is Strategy {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Strategy).suggest === 'function' &&
    typeof (x as Strategy).name === 'string'
  );
}

/**
 * Creates a study. Validates everything up front (the space with `createSpace`, which throws a
 * SpaceError naming the parameter; the direction; the seed, a safe integer). A space built with
 * `space()` from `@webtune/space` types the study (`Study<ConfigOf<…>>`).
 */
export function createStudy<C extends Config = Config>(options: StudyOptions<C>): Study<C>;
export function createStudy(options: StudyOptions): Study {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`createStudy: options (${show(options)}) must be an object`);
  }
  const space = createSpace(options.space);
  if (!isStrategy(options.strategy)) {
    throw new TypeError(
      `createStudy: strategy (${show(options.strategy)}) must be an object with a name and a suggest() method`,
    );
  }
  const direction = options.direction ?? 'minimize';
  if (direction !== 'minimize' && direction !== 'maximize') {
    throw new RangeError(
      `createStudy: direction (${show(direction)}) must be "minimize" or "maximize"`,
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`createStudy: seed (${show(seed)}) must be a safe integer`);
  }
  const pruner = options.pruner ?? noPruner();
  if (typeof pruner?.shouldPrune !== 'function') {
    throw new TypeError(`createStudy: pruner (${show(pruner)}) must have a shouldPrune() method`);
  }
  const storage = options.storage ?? memoryStorage();
  for (const m of ['createTrial', 'updateTrial', 'getTrials'] as const) {
    if (typeof storage?.[m] !== 'function') {
      throw new TypeError(`createStudy: storage must implement ${m}()`);
    }
  }
  if (storage.openStudy !== undefined && typeof storage.openStudy !== 'function') {
    throw new TypeError('createStudy: storage.openStudy must be a function when present');
  }
  const replay = options.replayStrategy ?? true;
  if (typeof replay !== 'boolean') {
    throw new TypeError(`createStudy: replayStrategy (${show(replay)}) must be a boolean`);
  }
  const onWarning = options.onWarning ?? ((m: string) => console.warn(m));
  if (typeof onWarning !== 'function') {
    throw new TypeError(`createStudy: onWarning (${show(onWarning)}) must be a function`);
  }
  for (const key of ['name', 'studyName'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') {
      throw new TypeError(`createStudy: ${key} (${show(options[key])}) must be a string`);
    }
  }
  for (const key of ['loadIfExists', 'retryStale'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') {
      throw new TypeError(`createStudy: ${key} (${show(options[key])}) must be a boolean`);
    }
  }
  return new StudyImpl(
    space,
    options.strategy,
    direction,
    seed,
    storage,
    pruner,
    options.studyName ?? options.name,
    replay,
    onWarning,
    {
      ...(options.loadIfExists === undefined ? {} : { loadIfExists: options.loadIfExists }),
      retryStale: options.retryStale ?? true,
    },
  );
}

class StudyImpl implements Study {
  readonly #records = new Map<number, TrialRecord>();
  readonly #order: TrialRecord[] = [];
  #nextNumber = 0;
  readonly #queue: Config[] = [];
  /** Suggestions taken from the strategy but not started (the run stopped in between). */
  readonly #buffer: Config[] = [];
  #exhausted = false;
  #ready: Promise<LoadResult> | undefined;
  #writes: Promise<void> = Promise.resolve();
  /** The writes queued in `#writes` that have not started, by trial number. */
  readonly #unwritten = new Map<number, { change: TrialChange }>();
  /** Configurations of stale trials to run again (concurrent storages), before the queue. */
  readonly #retries: { params: Config; retryOf: number }[] = [];
  #writeError: { error: unknown } | undefined;
  #askLock: Promise<unknown> = Promise.resolve();
  /** Settles once a suggestion that outlived its run's stop has been buffered (or dropped). */
  #late: Promise<void> = Promise.resolve();
  /** A late suggestion that was not a valid answer: thrown by the next ask. */
  #lateError: { error: unknown } | undefined;
  readonly #counts: Record<TrialState, number> = { running: 0, complete: 0, failed: 0, pruned: 0 };
  #best: FrozenTrial | undefined;
  /** The trials in place, for strategies (`SuggestContext.history`). */
  readonly #history: TrialHistory = historyOf(this.#order);

  constructor(
    readonly space: Space,
    readonly strategy: Strategy,
    readonly direction: Direction,
    readonly seed: number,
    readonly storage: Storage,
    readonly pruner: Pruner,
    readonly name: string | undefined,
    readonly replayStrategy: boolean,
    readonly onWarning: (message: string) => void,
    readonly shared: { loadIfExists?: boolean; retryStale: boolean },
  ) {}

  get trials(): FrozenTrial[] {
    return this.#order.map((r) => r.frozen);
  }

  get bestTrial(): FrozenTrial | undefined {
    return this.#best;
  }

  get counts(): Readonly<Record<TrialState, number>> {
    return Object.freeze({ ...this.#counts });
  }

  /** Keeps `#counts` and `#best` current as a trial goes from `old` (undefined: new) to `next`. */
  #track(old: FrozenTrial | undefined, next: FrozenTrial): void {
    if (old !== undefined) this.#counts[old.state]--;
    this.#counts[next.state]++;
    const best = this.#best;
    if (best !== undefined && best.number === next.number) this.#best = next;
    if (next.state !== 'complete' || next.value === undefined) return;
    if (
      best === undefined ||
      (this.direction === 'minimize' ? next.value < best.value! : next.value > best.value!) ||
      (next.value === best.value && next.number < best.number)
    ) {
      this.#best = next;
    }
  }

  /**
   * What `suggest` sees: `history` in place and `trials` as a snapshot built on first read, both
   * limited to the first `upTo` trials of `list` when given (the replay on resume).
   */
  #context(
    count: number,
    signal: AbortSignal,
    list?: readonly FrozenTrial[],
    upTo = 0,
  ): SuggestContext {
    const order = this.#order;
    const history: TrialHistory =
      list === undefined ? this.#history : { length: upTo, at: (i: number) => list[i]! };
    let snapshot: readonly FrozenTrial[] | undefined;
    return {
      space: this.space,
      direction: this.direction,
      get trials() {
        snapshot ??= list === undefined ? order.map((r) => r.frozen) : list.slice(0, upTo);
        return snapshot;
      },
      history,
      count,
      seed: this.seed,
      signal,
    };
  }

  get bestValue(): number | undefined {
    return this.bestTrial?.value;
  }

  load(): Promise<LoadResult> {
    this.#ready ??= this.#load().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #init(): Promise<void> {
    await this.load();
  }

  async #load(): Promise<LoadResult> {
    await this.storage.openStudy?.({
      direction: this.direction,
      space: this.space.toJSON(),
      strategy: this.strategy.name,
      seed: this.seed,
      ...(this.name === undefined ? {} : { name: this.name }),
      ...(this.shared.loadIfExists === undefined ? {} : { loadIfExists: this.shared.loadIfExists }),
    });
    if (this.storage.concurrent) {
      // Other workers' running trials are pending points, not stale: the storage says which are.
      const failed = await this.#failStale();
      for (const t of await this.storage.getTrials()) this.#sync(t);
      await this.#flush();
      return { trials: this.trials, stale: failed };
    }
    const existing = [...(await this.storage.getTrials())].sort((a, b) => a.number - b.number);
    const stale: number[] = [];
    const records = existing.map((t) => {
      // A load that failed part-way (e.g. writing a stale trial's update) may be retried: the
      // record then already says failed, and the storage, still 'running', is written again.
      const rec = this.#records.get(t.number) ?? this.#adopt(t);
      if (t.state === 'running') {
        stale.push(t.number);
        if (rec.frozen.state === 'running') {
          this.#update(rec, { state: 'failed', error: STALE_TRIAL_ERROR });
        } else this.#write(t.number, { state: 'failed', error: STALE_TRIAL_ERROR });
      }
      return rec;
    });
    await this.#flush();
    const trials = records.map((r) => r.frozen);
    if (this.replayStrategy) {
      for (let k = 0; k < trials.length && !this.#exhausted; k++) {
        const replayed = await this.strategy.suggest(
          this.#context(1, new AbortController().signal, trials, k),
        );
        if (!Array.isArray(replayed) || replayed.length < 1) this.#exhausted = true;
      }
    }
    return { trials, stale };
  }

  /** Registers a trial; `live` for one this study starts (it gets a signal and a handle). */
  #adopt(frozen: FrozenTrial, live = false): TrialRecord {
    const rec: TrialRecord = { frozen, controller: undefined, handle: undefined, t0: now() };
    if (live) {
      rec.controller = new AbortController();
      rec.handle = this.#handle(rec, rec.controller.signal);
    }
    this.#records.set(frozen.number, rec);
    this.#order.push(rec);
    this.#track(undefined, frozen);
    this.#nextNumber = Math.max(this.#nextNumber, frozen.number + 1);
    return rec;
  }

  /**
   * Queues `change` of trial `number` for `storage.updateTrial`. While an earlier write of the same
   * trial waits in the queue, the change joins it, so reports made faster than the storage writes
   * (a burst of `trial.report`s) cost one write, not one each. A trial the storage holds finished
   * already (another worker failed it as stale) keeps the stored outcome, with a warning.
   */
  #write(number: number, change: TrialChange): void {
    const waiting = this.#unwritten.get(number);
    if (waiting) {
      waiting.change = joinChanges(waiting.change, change);
      return;
    }
    const slot = { change };
    this.#unwritten.set(number, slot);
    this.#writes = this.#writes.then(async () => {
      this.#unwritten.delete(number);
      try {
        await this.storage.updateTrial(number, slot.change);
      } catch (error) {
        if (!isTrialFinished(error)) {
          this.#writeError ??= { error };
          return;
        }
        try {
          const [stored] = await this.storage.getTrials({ numbers: [number] });
          if (stored?.number === number) this.#sync(stored, true);
          this.onWarning(
            `trial ${number} was finished elsewhere (${stored?.state}${stored?.error ? `: ${stored.error}` : ''}) before this change reached the storage; the stored outcome stands`,
          );
        } catch (readError) {
          this.#writeError ??= { error: readError };
        }
      }
    });
  }

  /**
   * Adopts `t` as read from a concurrent storage: a trial new to this study, or a newer state of
   * one another worker runs (this study's own running trials change only through it, unless
   * `force`: the storage finished it first).
   */
  #sync(t: FrozenTrial, force = false): void {
    const rec = this.#records.get(t.number);
    if (rec === undefined) {
      this.#adopt(t);
      return;
    }
    if (rec.controller !== undefined && !force) return;
    const old = rec.frozen;
    rec.frozen = t;
    this.#track(old, t);
  }

  /** Concurrent storages: fails stale trials, queues their retries; resolves to their numbers. */
  async #failStale(): Promise<number[]> {
    const failed = (await this.storage.failStaleTrials?.()) ?? [];
    for (const t of failed) {
      if (this.shared.retryStale && t.retryOf === undefined) {
        this.#retries.push({ params: this.#canonical(t.params), retryOf: t.number });
      }
    }
    return failed.map((t) => t.number);
  }

  /**
   * Concurrent storages: reads what other writers changed since the last read (new trials, and the
   * ones last seen running), after failing stale trials. Called before each ask.
   */
  async #refresh(): Promise<void> {
    await this.#failStale();
    const numbers: number[] = [];
    for (const rec of this.#order) {
      if (rec.frozen.state === 'running' && rec.controller === undefined) {
        numbers.push(rec.frozen.number);
      }
    }
    for (const t of await this.storage.getTrials({ from: this.#nextNumber, numbers })) {
      this.#sync(t);
    }
  }

  async #flush(): Promise<void> {
    await this.#writes;
    if (this.#writeError) {
      const { error } = this.#writeError;
      this.#writeError = undefined;
      throw new Error(`storage: ${errorMessage(error)}`, { cause: error });
    }
  }

  #update(rec: TrialRecord, change: TrialChange): FrozenTrial {
    const old = rec.frozen;
    rec.frozen = applyChange(old, change);
    this.#track(old, rec.frozen);
    this.#write(old.number, change);
    return rec.frozen;
  }

  #handle(rec: TrialRecord, signal: AbortSignal): Trial {
    const number = rec.frozen.number;
    const assertRunning = (what: string) => {
      if (rec.frozen.state !== 'running') {
        throw new Error(`trial ${number}: ${what} after the trial finished (${rec.frozen.state})`);
      }
    };
    return Object.freeze({
      number,
      params: rec.frozen.params,
      signal,
      report: (step: number, value: number) => {
        if (!Number.isSafeInteger(step) || step < 0) {
          throw new RangeError(
            `trial ${number}: report step (${show(step)}) must be an integer >= 0`,
          );
        }
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new RangeError(
            `trial ${number}: report value (${show(value)}) at step ${step} must be a finite number`,
          );
        }
        assertRunning('report');
        // As in Optuna, a step reported twice keeps its first value, with a warning.
        const first = rec.frozen.intermediate.find((r) => r.step === step);
        if (first !== undefined) {
          this.onWarning(
            `trial ${number}: step ${step} was already reported (value ${first.value}); the value ${value} reported again is ignored`,
          );
          return;
        }
        this.#update(rec, { intermediate: [{ step, value }] });
      },
      shouldPrune: () => {
        assertRunning('shouldPrune');
        return this.pruner.shouldPrune({
          trial: rec.frozen,
          trials: this.trials,
          direction: this.direction,
          seed: this.seed,
        });
      },
      setUserAttr: (key: string, value: unknown) => {
        if (typeof key !== 'string') {
          throw new TypeError(
            `trial ${number}: user attribute key (${show(key)}) must be a string`,
          );
        }
        const why = notJSON(value);
        if (why !== undefined) {
          throw new TypeError(
            `trial ${number}: user attribute ${show(key)} (${showValue(value)}) must be a JSON value (finite numbers, strings, booleans, null, arrays and plain objects of those): ${why}`,
          );
        }
        this.#update(rec, { userAttrs: { [key]: value } });
      },
    });
  }

  /** The config with keys in declaration order and a frozen copy (strategies must not share objects). */
  #canonical(config: Config): Config {
    const out: Record<string, ParamValue> = {};
    for (const n of this.space.names) if (Object.hasOwn(config, n)) out[n] = config[n]!;
    return Object.freeze(out);
  }

  enqueue(config: Config): void {
    const why = explainNonMember(this.space, config);
    if (why) throw why;
    this.#queue.push(this.#canonical(config));
  }

  /** Checks a suggest() result (an array of members of the space), notes exhaustion, canonicalises. */
  #accept(suggested: unknown): Config[] {
    if (!Array.isArray(suggested)) {
      throw new TypeError(
        `strategy "${this.strategy.name}": suggest() must resolve to an array of configurations, got ${show(suggested)}`,
      );
    }
    for (const c of suggested) {
      const why = explainNonMember(this.space, c);
      if (why) {
        throw new Error(
          `strategy "${this.strategy.name}" suggested a configuration outside the space: ${why.message}`,
          { cause: why },
        );
      }
    }
    // Only nothing, with nothing running, is the end: a finite strategy may retry a trial that
    // fails, so while trials run (or are about to) it is asked again.
    if (suggested.length === 0 && this.#counts.running === 0) this.#exhausted = true;
    return suggested.map((c: Config) => this.#canonical(c));
  }

  async ask(): Promise<Trial | undefined> {
    const [trial] = await this.#askMany(1, undefined);
    return trial;
  }

  /**
   * Starts up to `n` trials (queue, then buffer, then one suggest call), serialised across callers.
   * When `stop` aborts while this waits for the lock or for the strategy, it resolves to [] at
   * once; a suggestion still in flight is then buffered when it arrives (see `#late`). `poll`
   * runs just before trials would start, to abort `stop` for a deadline the timer missed.
   */
  #askMany(
    n: number,
    stop: AbortSignal | undefined,
    poll?: () => void,
    limit?: { maxTrials: number; reached: boolean },
  ): Promise<Trial[]> {
    const previous = this.#askLock;
    const run = untilStopped(previous, stop).then(async (turn) => {
      if (!turn) return [];
      await this.#init();
      if (!(await untilStopped(this.#late, stop)) || stop?.aborted) return [];
      if (this.#lateError) {
        const { error } = this.#lateError;
        this.#lateError = undefined;
        throw error;
      }
      if (this.storage.concurrent) await this.#refresh();
      const fromRetries = this.#retries.splice(0, n);
      const fromQueue: Config[] = this.#queue.splice(0, n - fromRetries.length);
      const fromStrategy: Config[] = this.#buffer.splice(
        0,
        n - fromRetries.length - fromQueue.length,
      );
      const want = n - fromRetries.length - fromQueue.length - fromStrategy.length;
      if (want > 0 && !this.#exhausted) {
        const pending = new Promise<unknown>((resolve) =>
          resolve(this.strategy.suggest(this.#context(want, stop ?? new AbortController().signal))),
        );
        const arrived = await untilStopped(pending, stop);
        if (!arrived) {
          this.#retries.unshift(...fromRetries);
          this.#queue.unshift(...fromQueue);
          this.#buffer.unshift(...fromStrategy);
          // The next ask waits for this suggestion, so the strategy never runs twice at once and
          // its configurations keep their place in the stream.
          this.#late = pending.then(
            (late) => {
              try {
                this.#buffer.push(...this.#accept(late));
              } catch (error) {
                this.#lateError = { error };
              }
            },
            () => undefined,
          );
          return [];
        }
        const canonical = this.#accept(arrived.value);
        fromStrategy.push(...canonical.slice(0, want));
        this.#buffer.push(...canonical.slice(want));
      }
      poll?.();
      if (stop?.aborted) {
        this.#retries.unshift(...fromRetries);
        this.#queue.unshift(...fromQueue);
        this.#buffer.unshift(...fromStrategy);
        return [];
      }
      const configs = [...fromRetries.map((r) => r.params), ...fromQueue, ...fromStrategy];
      const nr = fromRetries.length;
      const nq = nr + fromQueue.length;
      /** Gives configurations i… back to where they came from. */
      const giveBack = (i: number) => {
        this.#retries.unshift(...fromRetries.slice(Math.min(i, nr)));
        this.#queue.unshift(...configs.slice(Math.max(i, nr), Math.max(i, nq)));
        this.#buffer.unshift(...configs.slice(Math.max(i, nq)));
      };
      const created: TrialRecord[] = [];
      for (const [i, params] of configs.entries()) {
        const retryOf = fromRetries[i]?.retryOf;
        let frozen: FrozenTrial | undefined;
        try {
          // A trial joins the study only once the storage holds it; the storage numbers it.
          frozen = await this.storage.createTrial(
            { params, startedAt: Date.now(), ...(retryOf === undefined ? {} : { retryOf }) },
            limit === undefined ? undefined : { maxTrials: limit.maxTrials },
          );
          // Trials other workers created meanwhile come first (their numbers are lower).
          if (frozen !== undefined && this.storage.concurrent && frozen.number > this.#nextNumber) {
            const before = await this.storage.getTrials({ from: this.#nextNumber });
            for (const t of before) if (t.number < frozen.number) this.#sync(t);
          }
        } catch (error) {
          // Nothing half-registered: this trial is not in the study, its configuration and the
          // later ones of the batch go back to where they came from, and the trials created
          // before it in this batch, which will not run now, are failed with the reason.
          giveBack(i);
          const why = `not started: storage failed creating a trial: ${errorMessage(error)}`;
          for (const rec of created)
            this.#update(rec, { state: 'failed', error: why, durationMs: 0 });
          await this.#flush().catch(() => undefined);
          throw new Error(`storage: ${errorMessage(error)}`, { cause: error });
        }
        if (frozen === undefined) {
          // The study holds `maxTrials` trials: this and the rest wait for a later run.
          giveBack(i);
          limit!.reached = true;
          break;
        }
        created.push(this.#adopt(frozen, true));
      }
      await this.#flush();
      return created.map((rec) => rec.handle!);
    });
    this.#askLock = Promise.all([previous, run.catch(() => undefined)]).then(() => undefined);
    return run;
  }

  async tell(trial: Trial | number, value: TellValue): Promise<FrozenTrial> {
    await this.#init();
    const number = typeof trial === 'number' ? trial : trial?.number;
    const rec = typeof number === 'number' ? this.#records.get(number) : undefined;
    if (!rec) throw new RangeError(`tell: no trial ${show(number)} in this study`);
    if (rec.frozen.state !== 'running') {
      throw new Error(`tell: trial ${number} is already finished (${rec.frozen.state})`);
    }
    const durationMs = Math.round((now() - rec.t0) * 1000) / 1000;
    let change: TrialChange;
    if (typeof value === 'number') {
      change = Number.isFinite(value)
        ? { state: 'complete', value }
        : { state: 'failed', error: `objective returned ${value}` };
    } else if (value?.state === 'failed') {
      change = { state: 'failed', error: String(value.error) };
    } else if (value?.state === 'pruned') {
      const last = rec.frozen.intermediate.reduce<{ step: number; value: number } | undefined>(
        (m, r) => (m === undefined || r.step > m.step ? r : m),
        undefined,
      );
      change = last ? { state: 'pruned', value: last.value } : { state: 'pruned' };
    } else {
      throw new TypeError(
        `tell: value (${show(value)}) must be a number, { state: 'failed', error } or { state: 'pruned' }`,
      );
    }
    this.#update(rec, { ...change, durationMs });
    rec.controller = undefined;
    rec.handle = undefined;
    await this.#flush();
    // Another worker may have finished it first (failed as stale): the stored outcome stands.
    return rec.frozen;
  }

  async optimize(objective: Objective, options: OptimizeOptions = {}): Promise<OptimizeResult> {
    if (typeof objective !== 'function') {
      throw new TypeError(`optimize: objective (${show(objective)}) must be a function`);
    }
    const {
      trials: maxTrials,
      studyTrials,
      timeoutMs,
      concurrency = 1,
      signal,
      onTrialComplete,
    } = options;
    if (maxTrials !== undefined && !(Number.isSafeInteger(maxTrials) && maxTrials >= 0)) {
      throw new RangeError(`optimize: trials (${show(maxTrials)}) must be an integer >= 0`);
    }
    if (studyTrials !== undefined && !(Number.isSafeInteger(studyTrials) && studyTrials >= 0)) {
      throw new RangeError(`optimize: studyTrials (${show(studyTrials)}) must be an integer >= 0`);
    }
    const limit =
      studyTrials === undefined ? undefined : { maxTrials: studyTrials, reached: false };
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
      throw new RangeError(`optimize: timeoutMs (${show(timeoutMs)}) must be a number >= 0`);
    }
    if (!(Number.isSafeInteger(concurrency) && concurrency >= 1)) {
      throw new RangeError(`optimize: concurrency (${show(concurrency)}) must be an integer >= 1`);
    }
    if (signal !== undefined && typeof signal?.addEventListener !== 'function') {
      throw new TypeError('optimize: signal must be an AbortSignal');
    }
    if (onTrialComplete !== undefined && typeof onTrialComplete !== 'function') {
      throw new TypeError('optimize: onTrialComplete must be a function');
    }
    if (
      maxTrials === undefined &&
      studyTrials === undefined &&
      timeoutMs === undefined &&
      signal === undefined &&
      this.strategy.finite !== true
    ) {
      throw new Error(
        'optimize: give trials, studyTrials, timeoutMs or signal, or use a finite strategy',
      );
    }
    await this.#init();

    const stop = new AbortController();
    let reason: StopReason | undefined;
    const halt = (why: StopReason | undefined, cause: unknown) => {
      if (stop.signal.aborted) return;
      reason = why;
      stop.abort(cause);
    };
    const onAbort = () =>
      halt('aborted', signal?.reason ?? new Error('optimize: the signal aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    // setTimeout fires after 1 ms for delays over 2^31 − 1 ms (about 24.8 days), Infinity
    // included: a long timeout is waited for in chunks up to that limit.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = timeoutMs === undefined ? undefined : now() + timeoutMs;
    const timeout = () =>
      halt('timeout', new Error(`optimize: the timeout of ${timeoutMs} ms passed`));
    // The timer cannot fire while a strategy computes synchronously; this catches a deadline it
    // overran before the suggestion it returns late can start a trial.
    const checkDeadline = () => {
      if (deadline !== undefined && now() >= deadline) timeout();
    };
    if (deadline !== undefined) {
      const arm = (delay: number) => {
        timer = setTimeout(() => {
          const left = deadline - now();
          if (left > 0 && delay === MAX_TIMER_MS) arm(Math.min(left, MAX_TIMER_MS));
          else timeout();
        }, delay);
      };
      arm(Math.min(timeoutMs!, MAX_TIMER_MS));
    }

    const running = new Map<number, Promise<void>>();
    const abortRunning = () => {
      for (const n of running.keys()) this.#records.get(n)?.controller?.abort(stop.signal.reason);
    };
    stop.signal.addEventListener('abort', abortRunning, { once: true });
    let fatal: { error: unknown } | undefined;
    let started = 0;

    const launch = (trial: Trial) => {
      const rec = this.#records.get(trial.number)!;
      if (stop.signal.aborted) rec.controller?.abort(stop.signal.reason);
      const p = (async () => {
        // Registered in `running` before the objective starts, so an abort it triggers reaches it.
        await undefined;
        let outcome: TellValue;
        try {
          const value: unknown = await objective(trial.params, trial);
          outcome =
            typeof value === 'number' ? value : { state: 'failed', error: notANumber(value) };
        } catch (error) {
          outcome = isTrialPruned(error)
            ? { state: 'pruned' }
            : { state: 'failed', error: errorMessage(error) };
        }
        try {
          // The objective may have told its own trial through the study; then leave it as told.
          const frozen =
            rec.frozen.state === 'running' ? await this.tell(trial.number, outcome) : rec.frozen;
          await onTrialComplete?.(frozen, this);
        } catch (error) {
          fatal ??= { error };
          halt(undefined, error);
        }
      })();
      running.set(trial.number, p);
      void p.finally(() => running.delete(trial.number));
    };

    try {
      for (;;) {
        if (stop.signal.aborted) break;
        const free = concurrency - running.size;
        const budget = limit?.reached
          ? 0
          : maxTrials === undefined
            ? free
            : Math.min(free, maxTrials - started);
        if (budget <= 0) {
          if (running.size === 0) {
            reason = 'trials';
            break;
          }
          await Promise.race(running.values());
          continue;
        }
        const batch = await this.#askMany(budget, stop.signal, checkDeadline, limit);
        if (batch.length === 0) {
          if (stop.signal.aborted) break;
          if (limit?.reached) continue;
          if (running.size === 0) {
            reason = 'exhausted';
            break;
          }
          await Promise.race(running.values());
          continue;
        }
        for (const t of batch) {
          started++;
          launch(t);
        }
      }
    } catch (error) {
      fatal ??= { error };
      halt(undefined, error);
    }
    while (running.size > 0) await Promise.all(running.values());
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (fatal) throw fatal.error;
    await this.#flush();
    return { trials: started, reason: reason ?? 'aborted' };
  }

  toJSON(): StudyJSON {
    return toStudyJSON(
      {
        direction: this.direction,
        strategy: this.strategy.name,
        seed: this.seed,
        space: this.space.toJSON(),
      },
      this.trials,
    );
  }

  toCSV(): string {
    return toStudyCSV(this.space, this.trials);
  }
}

/** `a` then `b` as one change: reports appended, attributes merged, `b`'s finishing fields win. */
function joinChanges(a: TrialChange, b: TrialChange): TrialChange {
  const out: { -readonly [K in keyof TrialChange]: TrialChange[K] } = { ...a, ...b };
  if (a.intermediate !== undefined && b.intermediate !== undefined) {
    out.intermediate = [...a.intermediate, ...b.intermediate];
  }
  if (a.userAttrs !== undefined && b.userAttrs !== undefined) {
    const attrs: Record<string, unknown> = {};
    for (const part of [a.userAttrs, b.userAttrs]) {
      for (const [key, value] of Object.entries(part)) {
        Object.defineProperty(attrs, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    out.userAttrs = attrs;
  }
  return out;
}

/** `order` read in place as a {@link TrialHistory}. */
function historyOf(order: readonly TrialRecord[]): TrialHistory {
  return {
    get length() {
      return order.length;
    },
    at: (i) => order[i]!.frozen,
  };
}

/**
 * The best complete trial with a finite value, by direction, earliest on ties; undefined when
 * none completed. Works on any trial-shaped records (stored trials, a study JSON's trials).
 */
export function bestTrialOf<
  T extends { readonly state: string; readonly value?: number | null | undefined },
>(trials: readonly T[], direction: Direction): T | undefined {
  let best: T | undefined;
  for (const t of trials) {
    const v = t.value;
    if (t.state !== 'complete' || typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (best === undefined || (direction === 'minimize' ? v < best.value! : v > best.value!)) {
      best = t;
    }
  }
  return best;
}

/**
 * A study's JSON (what `study.toJSON()` gives) from its metadata and trials, e.g. those a
 * storage holds: `fileStorage(path, { readOnly: true })`'s `getStudy()` and `getTrials()`.
 * `best` is recomputed from the trials.
 */
export function toStudyJSON(meta: StudyMeta, trials: readonly FrozenTrial[]): StudyJSON {
  const sorted = [...trials].sort((a, b) => a.number - b.number);
  const best = bestTrialOf(sorted, meta.direction);
  return {
    direction: meta.direction,
    strategy: meta.strategy,
    seed: meta.seed,
    space: meta.space,
    trials: sorted.map((t) => {
      const out: TrialJSON = {
        number: t.number,
        params: { ...t.params },
        value: t.value ?? null,
        state: t.state,
        startedAt: t.startedAt,
        durationMs: t.durationMs ?? null,
      };
      if (t.error !== undefined) out.error = t.error;
      if (t.intermediate.length > 0) out.intermediate = t.intermediate.map((r) => ({ ...r }));
      if (Object.keys(t.userAttrs).length > 0) out.userAttrs = { ...t.userAttrs };
      return out;
    }),
    best: best ? { number: best.number, params: { ...best.params }, value: best.value! } : null,
  };
}

/**
 * The inverse of {@link toStudyJSON}: a study JSON (`webtune run --out`, parsed) as its metadata
 * and frozen trials, checked field by field. Throws an Error naming the field at fault
 * (`trials[3]: trial 3: state ("done") is not running | complete | failed | pruned`), or the
 * space's SpaceError naming the parameter. `best` is not read: it follows from the trials.
 */
export function parseStudyJSON(json: unknown): { meta: StudyMeta; trials: FrozenTrial[] } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`a study JSON is an object, not ${show(json).slice(0, 80)}`);
  }
  const { trials, ...rest } = json as Record<string, unknown>;
  const meta = parseStudyMeta(rest);
  createSpace(meta.space);
  if (!Array.isArray(trials))
    throw new Error(`trials (${show(trials).slice(0, 80)}) is not an array`);
  const parsed = trials.map((t: unknown, i) => {
    const raw = typeof t === 'object' && t !== null ? (t as Record<string, unknown>) : undefined;
    const withoutNulls = raw && {
      ...raw,
      value: raw.value ?? undefined,
      durationMs: raw.durationMs ?? undefined,
      intermediate: raw.intermediate ?? [],
      userAttrs: raw.userAttrs ?? {},
    };
    try {
      return parseTrial(withoutNulls ?? t);
    } catch (error) {
      throw new Error(`trials[${i}]: ${errorMessage(error)}`);
    }
  });
  return { meta, trials: parsed };
}

/**
 * Trials as CSV (RFC 4180 quoting, `\n` line ends, header line first):
 * `number,state,value,<param names in the space's declaration order>,durationMs,error`; inactive
 * parameters, missing values and running durations are empty cells. `study.toCSV()` is this.
 */
export function toStudyCSV(
  space: Space | SpaceJSON,
  trials: readonly Pick<
    FrozenTrial,
    'number' | 'state' | 'params' | 'value' | 'durationMs' | 'error'
  >[],
): string {
  const names = createSpace(space).names;
  const lines = [['number', 'state', 'value', ...names, 'durationMs', 'error'].map(csvCell)];
  for (const t of trials) {
    lines.push(
      [t.number, t.state, t.value, ...names.map((n) => t.params[n]), t.durationMs, t.error].map(
        csvCell,
      ),
    );
  }
  return `${lines.map((l) => l.join(',')).join('\n')}\n`;
}
