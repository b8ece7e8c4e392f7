import type { SuggestContext, TrialHistory } from '@webtune/core';
import { createRng } from '@webtune/core';
import type { Config, Space } from '@webtune/space';

/** The part of core's Rng the strategies use. */
export interface RandomStream {
  random(): number;
}

/** A strategy's random stream: `seed ?? context.seed`, forked by the strategy's name. */
export function strategyRng(name: string, seed: number | undefined, context: SuggestContext) {
  return createRng(seed ?? context.seed).fork(name);
}

/** Throws unless `seed` is undefined or a finite integer. */
export function checkSeed(strategy: string, seed: unknown): void {
  if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed))) {
    throw new TypeError(`${strategy}: seed (${String(seed)}) must be an integer`);
  }
}

/** Throws unless `value` is undefined or a boolean. */
export function checkBoolean(strategy: string, option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${strategy}: ${option} (${String(value)}) must be a boolean`);
  }
}

/** In-place Fisher–Yates shuffle driven by `rng`. */
export function shuffleInPlace<T>(items: T[], rng: RandomStream): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.random() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

/** A context's trials as a {@link TrialHistory}: the study's in place, else the `trials` array. */
export function historyOf(context: SuggestContext): TrialHistory {
  if (context.history !== undefined) return context.history;
  const { trials } = context;
  return { length: trials.length, at: (i) => trials[i]! };
}

/**
 * The canonical keys of the configurations a study has already tried (running trials included),
 * kept incrementally across calls: trial params never change once created, so each call reads
 * only the trials added since the last one (O(1) amortised per trial). In an infinite space (a
 * continuous float) no key is kept: a draw never repeats a tried configuration there.
 */
export class TriedKeys {
  #space: Space | undefined;
  #size = 0;
  #finite = false;
  /** Trials read so far (positions in the history). */
  #read = 0;
  #keys = new Set<string>();

  update(space: Space, context: SuggestContext): this {
    const history = historyOf(context);
    if (space !== this.#space || history.length < this.#read) {
      this.#space = space;
      this.#size = space.size();
      this.#finite = Number.isFinite(this.#size);
      this.#read = 0;
      this.#keys.clear();
    }
    if (!this.#finite) {
      this.#read = history.length;
      return this;
    }
    for (; this.#read < history.length; this.#read++) {
      const key = safeKey(space, history.at(this.#read).params);
      if (key !== undefined) this.#keys.add(key);
    }
    return this;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** `space.size()` of the space last updated with. */
  get spaceSize(): number {
    return this.#size;
  }

  /** Number of distinct configurations tried (0 in an infinite space, where none are kept). */
  get size(): number {
    return this.#keys.size;
  }
}

/** The key of a configuration, or undefined when it is not a member of the space. */
export function safeKey(space: Space, config: Config): string | undefined {
  if (!space.contains(config)) return undefined;
  return space.key(config);
}

/** How many extra draws to spend looking for an untried configuration before falling back. */
const MAX_REDRAWS = 100;
/** Finite spaces up to this size are enumerated to find an untried configuration when draws keep repeating. */
const ENUMERATE_LIMIT = 100_000;

/**
 * Draws `context.count` configurations with `draw`, avoiding configurations already tried (or
 * drawn earlier in the batch) while untried ones remain: after `MAX_REDRAWS` repeated draws it
 * picks uniformly among the untried configurations of a small finite space, else it accepts the
 * repeat. Once every configuration of a finite space has been tried, draws are returned as they come.
 */
export function drawDistinct(
  context: SuggestContext,
  tried: TriedKeys,
  draw: () => Config,
  rng: RandomStream,
): Config[] {
  const { space } = context;
  const size = tried.spaceSize;
  const batch = new Set<string>();
  const out: Config[] = [];
  const isNew = (key: string) => !tried.has(key) && !batch.has(key);
  for (let i = 0; i < context.count; i++) {
    let config = draw();
    let key = space.key(config);
    const untriedRemain = size - tried.size - batch.size > 0;
    if (untriedRemain) {
      for (let r = 0; r < MAX_REDRAWS && !isNew(key); r++) {
        config = draw();
        key = space.key(config);
      }
      if (!isNew(key) && size <= ENUMERATE_LIMIT) {
        const untried = space.enumerate().filter((c) => isNew(space.key(c)));
        const pick = untried[Math.floor(rng.random() * untried.length)];
        if (pick !== undefined) {
          config = pick;
          key = space.key(pick);
        }
      }
    }
    batch.add(key);
    out.push(config);
  }
  return out;
}
