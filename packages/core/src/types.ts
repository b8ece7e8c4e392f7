import type { Config, Space, SpaceJSON } from '@webtune/space';

/** Whether the study looks for the smallest objective value ('minimize', the default) or the largest. */
export type Direction = 'minimize' | 'maximize';

/**
 * Where a trial is: 'running' until the objective settles, then 'complete' (a finite value),
 * 'failed' (it threw or returned no finite number) or 'pruned' (it threw `TrialPruned`).
 */
export type TrialState = 'running' | 'complete' | 'failed' | 'pruned';

/**
 * An immutable snapshot of one trial, as strategies, pruners and storages see it. `C` is the
 * configuration type: the space's when it was built with `space()` from `@webtune/space`
 * (`params.lr` a number), else `Config`.
 */
export interface FrozenTrial<C extends Config = Config> {
  /** 0-based, in order of creation within the study. */
  readonly number: number;
  readonly params: C;
  readonly state: TrialState;
  /** The objective value; present for complete trials (and for pruned ones: the last reported value). */
  readonly value?: number;
  /** Why the trial failed (the thrown message, or e.g. "objective returned NaN"). */
  readonly error?: string;
  /** Intermediate values reported through `trial.report(step, value)`, in report order. */
  readonly intermediate: readonly { step: number; value: number }[];
  readonly userAttrs: Readonly<Record<string, unknown>>;
  /** Milliseconds since the Unix epoch. */
  readonly startedAt: number;
  /** Present once the trial has finished (absent for a running trial failed as stale on resume). */
  readonly durationMs?: number;
  /** The number of the failed trial whose configuration this one runs again (a stale trial's retry). */
  readonly retryOf?: number;
}

/**
 * A study's trials read in place, without a copy: `at(i)` is the trial at position i (ordered by
 * number, running ones included) as it is now. Trials are only ever appended, and an entry is
 * replaced (never moved or removed) when its trial changes, so a reader that keeps how far it has
 * read sees each new trial once and re-reads only the ones it saw running.
 */
export interface TrialHistory<C extends Config = Config> {
  /** How many trials the study has. */
  readonly length: number;
  /** The trial at position `i`, 0 ≤ i < length. */
  at(i: number): FrozenTrial<C>;
}

/** What a strategy sees when asked for suggestions (`C`: the study's configuration type). */
export interface SuggestContext<C extends Config = Config> {
  readonly space: Space;
  readonly direction: Direction;
  /**
   * Every trial of the study so far, running ones included (those are the pending points): a
   * snapshot that does not change during the call. The study builds it on first read, O(n).
   */
  readonly trials: readonly FrozenTrial<C>[];
  /**
   * The same trials read in place (see {@link TrialHistory}), for strategies that keep their own
   * bookkeeping and read only what is new, O(1) amortised per trial instead of O(n). It can change
   * during an asynchronous call (a running trial finishes). The study always passes it; optional
   * for contexts built elsewhere, which give `trials` only.
   */
  readonly history?: TrialHistory<C>;
  /** How many configurations are wanted now (≥ 1). */
  readonly count: number;
  /** The study's seed; a strategy created without its own seed derives its random stream from this. */
  readonly seed: number;
  /**
   * Aborted when the run that asked stops (its timeout passed, its signal aborted, or it failed):
   * `optimize` then returns without waiting for this suggestion. A long suggestion may check it
   * and reject early; if it resolves anyway, its configurations are kept for the study's next ask
   * (so a seeded run continues as an uninterrupted one), and if it rejects after the stop the
   * rejection is dropped and the next ask calls `suggest` again. Never aborted for `study.ask()`
   * and the replay on resume. The study always passes it; optional for contexts built elsewhere.
   */
  readonly signal?: AbortSignal;
}

/**
 * A search strategy (Optuna: sampler). One instance serves one study and may keep state
 * between calls. It returns up to `count` configurations, each a member of the space;
 * fewer means it has nothing more to suggest for now. The study asks again for more, and once it
 * returns none while no trial is running the strategy is exhausted and never asked again (a
 * finite strategy may retry a running trial's configuration if that trial fails).
 *
 * `C` is the configuration type of the studies it serves: a strategy written for one typed space
 * sees its trials typed (`Strategy<ConfigOf<…>>`). The built-in strategies serve any space
 * (`Strategy`, assignable to every `Strategy<C>`); what they suggest is checked against the space
 * by the study, so it is returned as `Config`.
 */
export interface Strategy<C extends Config = Config> {
  readonly name: string;
  /**
   * True when the strategy ends by itself after finitely many suggestions (exhaustive, grid).
   * `study.optimize` without `trials`, `timeoutMs` or `signal` runs only such strategies.
   */
  readonly finite?: boolean;
  /** Up to `context.count` configurations of `context.space` to try next (fewer: nothing more for now). */
  suggest(context: SuggestContext<C>): Promise<Config[]>;
  /** Frees resources (GPU buffers) the strategy holds. */
  destroy?(): void;
}

/** What a pruner sees when a trial asks `shouldPrune()`. */
export interface PruneContext {
  readonly trial: FrozenTrial;
  readonly trials: readonly FrozenTrial[];
  readonly direction: Direction;
  /** The study's seed, for pruners that make a random choice (hyperband's brackets). Default 0. */
  readonly seed?: number;
}

/**
 * Decides whether a running trial should stop early, from the intermediate values it and the other
 * trials reported: `noPruner`, `medianPruner`, `percentilePruner`, `thresholdPruner`,
 * `successiveHalvingPruner`, `hyperbandPruner`, or any object of this shape. The objective reaches
 * it only through `trial.shouldPrune()` (and then throws `TrialPruned`).
 */
export interface Pruner {
  readonly name: string;
  /** True when the trial in `context` should stop now. Called on every `trial.shouldPrune()`. */
  shouldPrune(context: PruneContext): boolean;
}

/** What a persistent storage records about its study, to check that a resumed study is the same one. */
export interface StudyMeta {
  readonly direction: Direction;
  /** The space's canonical JSON (`space.toJSON()`). */
  readonly space: SpaceJSON;
  /** The strategy's name. */
  readonly strategy: string;
  readonly seed: number;
}

/** What the study passes to {@link Storage.openStudy}: the metadata, and which study it means. */
export interface OpenStudy extends StudyMeta {
  /**
   * The study's name, for storages holding many studies (PostgreSQL): which one to open or create.
   * Storages holding one study ignore it.
   */
  readonly name?: string;
  /**
   * When false, a study already stored is an error naming it, as Optuna's
   * `create_study(load_if_exists=False)`; when true (the default) it is resumed.
   */
  readonly loadIfExists?: boolean;
}

/** A trial the study asks a storage to create: the storage gives it its number. */
export interface NewTrial {
  readonly params: Config;
  /** Milliseconds since the Unix epoch. */
  readonly startedAt: number;
  /** The failed trial whose configuration this one runs again (see `FrozenTrial.retryOf`). */
  readonly retryOf?: number;
}

/** Options of {@link Storage.createTrial}. */
export interface CreateTrialOptions {
  /**
   * Create the trial only while the study holds fewer trials than this (retries of failed trials
   * not counted, and not refused): checked in the same write that allocates the number, so many
   * writers together never pass it (Optuna's MaxTrialsCallback, made exact).
   */
  readonly maxTrials?: number;
}

/**
 * A change to a running trial: intermediate values appended, user attributes set, and finishing
 * it (`state` with `value`, `error`, `durationMs`). Each part is optional; a storage writes it as
 * rows (values and attributes added), not as a rewrite of the whole trial.
 */
export interface TrialChange {
  /** Added in report order; a step the trial already holds keeps its first value. */
  readonly intermediate?: readonly { step: number; value: number }[];
  /** User attributes set (added or replaced), JSON values. */
  readonly userAttrs?: Readonly<Record<string, unknown>>;
  /** Finishes the trial. */
  readonly state?: Exclude<TrialState, 'running'>;
  readonly value?: number;
  readonly error?: string;
  readonly durationMs?: number;
}

/** Options of {@link Storage.getTrials}. */
export interface GetTrialsOptions {
  /** Only trials numbered `from` or more… */
  readonly from?: number;
  /** …and these (e.g. the ones last seen running): what changed since a reader's last read. */
  readonly numbers?: readonly number[];
}

/**
 * The CRUD surface every storage implements: `memoryStorage()`, `fileStorage()` (from
 * `@webtune/core/node`), `indexedDBStorage()` (from `@webtune/core/browser`),
 * `postgresStorage()` (from `@webtune/storage-postgres`). The storage allocates trial numbers and
 * changes a trial only while it runs, so several writers (workers) can share one study where the
 * storage allows it (`concurrent`). A write that throws has not happened. Every storage passes the
 * conformance suite of `@webtune/core/testing`.
 */
export interface Storage {
  /**
   * True when other processes may write the same study at once (a database server): the study then
   * re-reads what changed before each ask, treats other writers' running trials as pending, and
   * fails running trials as stale only through {@link Storage.failStaleTrials}.
   */
  readonly concurrent?: boolean;
  /**
   * Called by the study once, before it reads or writes a trial. A persistent storage records
   * `meta` the first time and later throws when the direction or the space differ (naming both
   * values); it may warn when only the strategy or the seed differ. Optional: memoryStorage has none.
   */
  openStudy?(study: OpenStudy): Promise<void>;
  /**
   * Creates a running trial numbered one past the study's last (0 for the first): unique and
   * gap-free among all writers, allocated in the same write as the trial. Resolves to the trial as
   * stored, or to undefined when `maxTrials` refused it.
   */
  createTrial(trial: NewTrial, options?: CreateTrialOptions): Promise<FrozenTrial | undefined>;
  /**
   * Applies `change` to running trial `number`, all of it or nothing. Throws `TrialFinishedError`
   * (from `@webtune/core`) when the trial has finished (a late or duplicate tell, or a trial failed as
   * stale by another writer): nothing is written. An unknown number throws.
   */
  updateTrial(number: number, change: TrialChange): Promise<void>;
  /** Trials ordered by number, each as last written: every one, or those `options` select. */
  getTrials(options?: GetTrialsOptions): Promise<FrozenTrial[]>;
  /**
   * Concurrent storages: fails the running trials whose writer stopped sending heartbeats (its
   * process died) and resolves to them, failed. Each stale trial is failed by exactly one caller.
   */
  failStaleTrials?(): Promise<FrozenTrial[]>;
  /**
   * Releases what the storage holds (fileStorage: the journal's lock; indexedDBStorage: the
   * database connection; postgresStorage: its pool and heartbeat) once the writes in progress are
   * done; a later call opens it again. The study never calls it: whoever made the storage does,
   * when done with it. Optional.
   */
  close?(): void | Promise<void>;
}

/** The live handle an objective receives for its trial (`C`: the study's configuration type). */
export interface Trial<C extends Config = Config> {
  readonly number: number;
  readonly params: C;
  /** Aborted when the study's signal aborts or its timeout passes. */
  readonly signal: AbortSignal;
  /**
   * Records an intermediate value (e.g. validation loss after an epoch). `step` is an integer ≥ 0
   * and `value` finite, else it throws; a step reported twice keeps its first value (as in Optuna).
   */
  report(step: number, value: number): void;
  /** Asks the study's pruner whether this trial should stop now; the objective then throws `new TrialPruned()`. */
  shouldPrune(): boolean;
  /** Stores `value` (a JSON value: no NaN, functions or class instances, else it throws) as `userAttrs[key]`. */
  setUserAttr(key: string, value: unknown): void;
}

/**
 * An objective: returns the value to minimise or maximise. Throwing or returning a non-finite value
 * fails the trial. `params` has the study's configuration type `C` (the space's, when it was built
 * with `space()`; conditional parameters optional).
 */
export type Objective<C extends Config = Config> = (
  params: C,
  trial: Trial<C>,
) => number | Promise<number>;
