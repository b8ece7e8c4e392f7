import type { Direction, FrozenTrial, Strategy, TrialState } from '@webtune/core';
import { createStudy } from '@webtune/core';
import { type Config, createSpace, type Space, type SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';

/** Options of {@link describeStrategyConformance}. */
export interface ConformanceOptions {
  /** Run only on finite spaces (for strategies that enumerate, like `exhaustive`). Default false. */
  finiteOnly?: boolean;
  /** Suggestions per run and trials per study. Default 24. */
  budget?: number;
  /**
   * Whether the suggestions depend on the seed, so different seeds must give different
   * suggestions. Default true; false for deterministic orders such as unshuffled `exhaustive`.
   */
  seeded?: boolean;
  /** Per-test timeout in milliseconds, for slow (model-based) strategies. Default vitest's. */
  timeout?: number;
}

/**
 * The search spaces every strategy is run on: each parameter kind alone, all kinds together, and
 * nested conditions; with continuous floats (infinite) and without (finite).
 */
export const CONFORMANCE_SPACES: Readonly<Record<string, SpaceJSON>> = {
  float: { x: { type: 'float', low: -2, high: 3 } },
  'log float': { lr: { type: 'float', low: 1e-5, high: 1, log: true } },
  'stepped float': { x: { type: 'float', low: 0, high: 1, step: 0.125 } },
  int: { n: { type: 'int', low: -3, high: 17 } },
  'log int': { n: { type: 'int', low: 1, high: 1024, log: true } },
  'stepped int': { n: { type: 'int', low: 0, high: 100, step: 10 } },
  'categorical strings': { c: { type: 'categorical', choices: ['relu', 'tanh', 'gelu', 'silu'] } },
  'categorical numbers': { c: { type: 'categorical', choices: [32, 64, 128, 256, 0.5] } },
  'categorical booleans': {
    b: { type: 'categorical', choices: [true, false] },
    n: { type: 'int', low: 0, high: 4 },
  },
  mixed: {
    lr: { type: 'float', low: 1e-4, high: 1, log: true },
    dropout: { type: 'float', low: 0, high: 0.5 },
    q: { type: 'float', low: 0, high: 2, step: 0.5 },
    layers: { type: 'int', low: 1, high: 4 },
    units: { type: 'int', low: 8, high: 512, log: true },
    width: { type: 'int', low: 16, high: 128, step: 16 },
    act: { type: 'categorical', choices: ['relu', 'tanh'] },
    batch: { type: 'categorical', choices: [32, 64, 128] },
    bias: { type: 'categorical', choices: [true, false] },
  },
  'mixed finite': {
    q: { type: 'float', low: 0, high: 2, step: 0.5 },
    layers: { type: 'int', low: 1, high: 4 },
    units: { type: 'int', low: 8, high: 64, log: true },
    width: { type: 'int', low: 16, high: 128, step: 16 },
    act: { type: 'categorical', choices: ['relu', 'tanh', 'gelu'] },
    bias: { type: 'categorical', choices: [true, false] },
  },
  conditional: {
    optimizer: { type: 'categorical', choices: ['sgd', 'adam', 'rmsprop'] },
    lr: { type: 'float', low: 1e-4, high: 1, log: true },
    momentum: { type: 'float', low: 0, high: 0.99, when: { optimizer: ['sgd'] } },
    nesterov: { type: 'categorical', choices: [true, false], when: { optimizer: ['sgd'] } },
    dampening: { type: 'float', low: 0, high: 0.5, when: { nesterov: [false] } },
    beta1: { type: 'float', low: 0.8, high: 0.999, when: { optimizer: ['adam'] } },
    decay: { type: 'int', low: 1, high: 5, when: { optimizer: ['adam', 'rmsprop'] } },
  },
  'conditional finite': {
    optimizer: { type: 'categorical', choices: ['sgd', 'adam', 'rmsprop'] },
    lr: { type: 'categorical', choices: [0.001, 0.01, 0.1] },
    momentum: { type: 'float', low: 0, high: 0.9, step: 0.3, when: { optimizer: ['sgd'] } },
    nesterov: { type: 'categorical', choices: [true, false], when: { optimizer: ['sgd'] } },
    dampening: { type: 'int', low: 0, high: 2, when: { nesterov: [false] } },
    beta1: { type: 'float', low: 0.8, high: 0.95, step: 0.05, when: { optimizer: ['adam'] } },
    decay: { type: 'int', low: 1, high: 5, when: { optimizer: ['adam', 'rmsprop'] } },
  },
};

/** The parameters that must be present in `config`, worked out from the JSON alone. */
export function activeParams(json: SpaceJSON, config: Config): string[] {
  const memo = new Map<string, boolean>();
  const isActive = (name: string): boolean => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const when = json[name]?.when;
    const active =
      when === undefined ||
      Object.entries(when).every(
        ([parent, values]) =>
          isActive(parent) && parent in config && values.includes(config[parent]!),
      );
    memo.set(name, active);
    return active;
  };
  return Object.keys(json).filter(isActive);
}

/** Why `config` breaks a bound, step, type or choice of `json`, or undefined when it respects them all. */
export function boundsViolation(json: SpaceJSON, config: Config): string | undefined {
  for (const [name, value] of Object.entries(config)) {
    const p = json[name];
    if (p === undefined) return `${name} is not a parameter`;
    if (p.type === 'categorical') {
      if (!p.choices.includes(value)) return `${name}=${String(value)} is not a choice`;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} is not a number`;
    if (value < p.low || value > p.high) return `${name}=${value} is outside [${p.low}, ${p.high}]`;
    if (p.type === 'int' && !Number.isInteger(value)) return `${name}=${value} is not an integer`;
    const step = p.step ?? (p.type === 'int' ? 1 : undefined);
    if (step !== undefined) {
      const k = (value - p.low) / step;
      if (Math.abs(k - Math.round(k)) > 1e-9) return `${name}=${value} is off the step ${step}`;
    }
  }
  return undefined;
}

/** A finished or running trial for a hand-built history. */
export function frozenTrial(
  number: number,
  params: Config,
  state: TrialState,
  value?: number,
  error?: string,
): FrozenTrial {
  return {
    number,
    params,
    state,
    ...(value === undefined ? {} : { value }),
    ...(error === undefined ? {} : { error }),
    intermediate: value === undefined ? [] : [{ step: 0, value }],
    userAttrs: {},
    startedAt: 1_700_000_000_000 + number,
    ...(state === 'running' ? {} : { durationMs: 1 }),
  };
}

/** A smooth deterministic test objective on the unit-cube encoding. */
export function testObjective(space: Space, config: Config): number {
  const x = space.encode(config);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i]! - 0.3 - 0.05 * (i % 5)) ** 2;
  return sum;
}

interface SimulateOptions {
  seed: number;
  budget: number;
  count?: number;
  direction?: Direction;
  history?: FrozenTrial[];
}

/**
 * Asks `strategy` for `budget` suggestions, `count` at a time, telling each result back as a
 * complete trial before the next call. Stops early if the strategy returns nothing (exhausted).
 */
export async function simulate(
  strategy: Strategy,
  space: Space,
  options: SimulateOptions,
): Promise<Config[]> {
  const trials: FrozenTrial[] = [...(options.history ?? [])];
  const out: Config[] = [];
  while (out.length < options.budget) {
    const count = Math.min(options.count ?? 1, options.budget - out.length);
    const batch = await strategy.suggest({
      space,
      direction: options.direction ?? 'minimize',
      trials,
      count,
      seed: options.seed,
    });
    expect(batch.length, 'a strategy returns at most `count` configurations').toBeLessThanOrEqual(
      count,
    );
    if (batch.length === 0) break;
    for (const params of batch) {
      out.push(params);
      trials.push(frozenTrial(trials.length, params, 'complete', testObjective(space, params)));
    }
  }
  return out;
}

/** A strategy that never ends by itself fills the budget; a finite one gives 1 to `budget` configurations. */
function expectRunLength(strategy: Strategy, length: number, budget: number): void {
  if (strategy.finite) {
    expect(length).toBeGreaterThanOrEqual(1);
    expect(length).toBeLessThanOrEqual(budget);
  } else {
    expect(length, 'a strategy without `finite: true` never runs out').toBe(budget);
  }
}

function expectWellFormed(json: SpaceJSON, space: Space, configs: readonly Config[]): void {
  for (const config of configs) {
    expect(space.contains(config), `${JSON.stringify(config)} is a member`).toBe(true);
    expect(Object.keys(config).sort(), 'exactly the active parameters').toEqual(
      activeParams(json, config).sort(),
    );
    expect(boundsViolation(json, config), JSON.stringify(config)).toBeUndefined();
  }
}

/**
 * Registers vitest `describe`/`it` blocks that check a strategy against the contract every
 * webtune strategy keeps: members of the space only (every parameter kind, log, step, nested
 * conditions, bounds), same seed → same suggestions and different seed → different, histories
 * with failed, pruned and running trials, distinct batches that avoid pending trials in finite
 * spaces, and complete runs through a real `createStudy(...).optimize(...)` in both directions.
 *
 * @param factory makes a fresh strategy; `seed` undefined means "use the study's seed".
 */
export function describeStrategyConformance(
  name: string,
  factory: (seed?: number) => Strategy,
  options: ConformanceOptions = {},
): void {
  const budget = options.budget ?? 24;
  const seeded = options.seeded ?? true;
  const timeout = options.timeout;
  const spaces = Object.entries(CONFORMANCE_SPACES)
    .map(([label, json]) => ({ label, json, space: createSpace(json) }))
    .filter(({ space }) => !options.finiteOnly || Number.isFinite(space.size()));

  describe(`strategy conformance: ${name}`, () => {
    it('has a name', () => {
      expect(typeof factory().name).toBe('string');
      expect(factory().name.length).toBeGreaterThan(0);
    });

    for (const { label, json, space } of spaces) {
      describe(`on a ${label} space`, () => {
        it(
          'suggests members of the space with exactly the active parameters, within bounds',
          async () => {
            const strategy = factory(1);
            const configs = await simulate(strategy, space, { seed: 0, budget });
            expectRunLength(strategy, configs.length, budget);
            expectWellFormed(json, space, configs);
          },
          timeout,
        );

        it(
          'gives the same suggestions for the same seed',
          async () => {
            const a = await simulate(factory(5), space, { seed: 0, budget, count: 2 });
            const b = await simulate(factory(5), space, { seed: 0, budget, count: 2 });
            expect(b).toEqual(a);
            const c = await simulate(factory(), space, { seed: 11, budget });
            const d = await simulate(factory(), space, { seed: 11, budget });
            expect(d).toEqual(c);
          },
          timeout,
        );

        it(
          'handles failed, pruned and running trials in the history; batches are distinct and avoid pending trials',
          async () => {
            const draws = await simulate(factory(3), space, { seed: 3, budget: 6 });
            const history = draws.map((params, i) => {
              const state: TrialState = (['complete', 'failed', 'pruned', 'running'] as const)[
                i % 4
              ]!;
              const value =
                state === 'failed' || state === 'running'
                  ? undefined
                  : testObjective(space, params);
              return frozenTrial(
                i,
                params,
                state,
                value,
                state === 'failed' ? 'objective threw: boom' : undefined,
              );
            });
            const count = 4;
            const strategy = factory(3);
            const batch = await strategy.suggest({
              space,
              direction: 'minimize',
              trials: history,
              count,
              seed: 3,
            });
            expectWellFormed(json, space, batch);
            const keys = batch.map((c) => space.key(c));
            const size = space.size();
            const tried = new Set(history.map((t) => space.key(t.params)));
            const remaining = size - tried.size;
            expect(batch.length).toBeLessThanOrEqual(count);
            // A strategy that ends by itself may be done; any other one is never exhausted.
            if (!strategy.finite) expect(batch.length).toBe(count);
            if (remaining >= count) {
              expect(new Set(keys).size, 'a batch has no repeats').toBe(keys.length);
            }
            if (Number.isFinite(size) && remaining >= count) {
              const pending = history
                .filter((t) => t.state === 'running')
                .map((t) => space.key(t.params));
              for (const key of pending)
                expect(keys, 'pending trials are not repeated').not.toContain(key);
            }
          },
          timeout,
        );

        for (const direction of ['minimize', 'maximize'] as const) {
          it(
            `runs through createStudy(...).optimize(...) to ${direction}`,
            async () => {
              const strategy = factory();
              const study = createStudy({ space, strategy, direction, seed: 21 });
              await study.optimize((params) => testObjective(space, params), {
                trials: budget,
                concurrency: 3,
              });
              const trials = study.trials;
              expectRunLength(strategy, trials.length, budget);
              expectWellFormed(
                json,
                space,
                trials.map((t) => t.params),
              );
              for (const t of trials) expect(t.state).toBe('complete');
              const values = trials.map((t) => t.value!);
              const best = direction === 'minimize' ? Math.min(...values) : Math.max(...values);
              expect(study.bestTrial?.value).toBe(best);
            },
            timeout,
          );
        }
      });
    }

    if (seeded) {
      const large = spaces.filter(({ space }) => space.size() >= 1000);
      for (const { label, space } of large) {
        it(
          `gives different suggestions for different seeds (${label} space)`,
          async () => {
            const a = await simulate(factory(1), space, { seed: 0, budget: 8 });
            const b = await simulate(factory(2), space, { seed: 0, budget: 8 });
            expect(b).not.toEqual(a);
            const c = await simulate(factory(), space, { seed: 1, budget: 8 });
            const d = await simulate(factory(), space, { seed: 2, budget: 8 });
            expect(d).not.toEqual(c);
          },
          timeout,
        );
      }
    }
  });
}
