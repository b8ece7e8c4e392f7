import type { FrozenTrial } from '@webtune/core';
import { type Config, createSpace, type SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { exhaustive } from './exhaustive.js';
import { grid } from './grid.js';
import { random } from './random.js';
import { sobol } from './sobolStrategy.js';
import { frozenTrial, simulate } from './testing/conformance.js';

const seedGrid: SpaceJSON = {
  lr: { type: 'categorical', choices: [0.001, 0.01, 0.1, 1] },
  batch: { type: 'categorical', choices: [32, 64, 128, 256] },
  hidden: { type: 'categorical', choices: [64, 128, 256, 512] },
};
const unitSquare: SpaceJSON = {
  x: { type: 'float', low: 0, high: 1 },
  y: { type: 'float', low: 0, high: 1 },
};

const keysOf = (json: SpaceJSON, configs: Config[]) => {
  const space = createSpace(json);
  return configs.map((c) => space.key(c));
};

describe('exhaustive', () => {
  it('suggests every configuration exactly once in enumerate() order, then nothing', async () => {
    const space = createSpace(seedGrid);
    const strategy = exhaustive();
    const configs = await simulate(strategy, space, { seed: 0, budget: 100, count: 5 });
    expect(configs).toEqual(space.enumerate());
    const more = await strategy.suggest({
      space,
      direction: 'minimize',
      trials: configs.map((c, i) => frozenTrial(i, c, 'complete', i)),
      count: 3,
      seed: 0,
    });
    expect(more).toEqual([]);
  });

  it('skips configurations already among the trials (enqueued ones)', async () => {
    const space = createSpace(seedGrid);
    const enqueued = { lr: 0.01, batch: 32, hidden: 256 };
    const configs = await simulate(exhaustive(), space, {
      seed: 0,
      budget: 100,
      history: [frozenTrial(0, enqueued, 'complete', 0.1)],
    });
    expect(configs).toHaveLength(63);
    expect(keysOf(seedGrid, configs)).not.toContain(space.key(enqueued));
    expect(new Set(keysOf(seedGrid, configs)).size).toBe(63);
  });

  it('shuffles in a seeded order', async () => {
    const space = createSpace(seedGrid);
    const run = (seed: number) =>
      simulate(exhaustive({ shuffle: true, seed }), space, { seed: 0, budget: 64 });
    const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(space.enumerate());
    expect(new Set(keysOf(seedGrid, a))).toEqual(new Set(keysOf(seedGrid, space.enumerate())));
  });

  it('fails on a continuous space, naming the parameter', async () => {
    const space = createSpace({ ...seedGrid, momentum: { type: 'float', low: 0, high: 0.9 } });
    await expect(
      exhaustive().suggest({ space, direction: 'minimize', trials: [], count: 1, seed: 0 }),
    ).rejects.toThrow(/^exhaustive search needs a finite space: space\.momentum: cannot enumerate/);
  });

  it('rejects bad options before any work', () => {
    expect(() => exhaustive({ seed: 1.5 })).toThrow('exhaustive: seed (1.5) must be an integer');
    expect(() => exhaustive({ shuffle: 'yes' as unknown as boolean })).toThrow(
      'exhaustive: shuffle (yes) must be a boolean',
    );
  });
});

describe('grid', () => {
  it('walks space.grid() once: evenly spaced, log-spaced where log', async () => {
    const json: SpaceJSON = {
      x: { type: 'float', low: 0, high: 1 },
      lr: { type: 'float', low: 0.001, high: 0.1, log: true },
    };
    const configs = await simulate(grid({ resolution: 3 }), createSpace(json), {
      seed: 0,
      budget: 100,
    });
    expect(configs).toHaveLength(9);
    expect([...new Set(configs.map((c) => c.x))]).toEqual([0, 0.5, 1]);
    const lrs = [...new Set(configs.map((c) => c.lr as number))];
    expect(lrs.map((v) => Number(v.toPrecision(12)))).toEqual([0.001, 0.01, 0.1]);
  });

  it('takes a per-parameter resolution', async () => {
    const configs = await simulate(grid({ resolution: { x: 2, y: 4 } }), createSpace(unitSquare), {
      seed: 0,
      budget: 100,
    });
    expect(configs).toHaveLength(8);
  });

  it('rejects a bad resolution, naming it', () => {
    expect(() => grid({ resolution: 1 })).toThrow('grid: resolution (1) must be an integer ≥ 2');
    expect(() => grid({ resolution: { lr: 2.5 } })).toThrow(
      'grid: resolution.lr (2.5) must be an integer ≥ 2',
    );
  });
});

describe('random', () => {
  it('never repeats a tried configuration while untried ones remain', async () => {
    const configs = await simulate(random({ seed: 4 }), createSpace(seedGrid), {
      seed: 0,
      budget: 64,
      count: 7,
    });
    expect(new Set(keysOf(seedGrid, configs)).size).toBe(64);
  });

  it('draws from the study seed when it has none of its own', async () => {
    const space = createSpace(unitSquare);
    const a = await simulate(random(), space, { seed: 9, budget: 5 });
    const b = await simulate(random({ seed: 9 }), space, { seed: 123, budget: 5 });
    expect(b).toEqual(a);
  });
});

describe('sobol', () => {
  it('is a scrambled Sobol net: 16 suggestions fill each cell of a 4×4 grid once', async () => {
    for (const seed of [0, 1, 2]) {
      const configs = await simulate(sobol({ seed }), createSpace(unitSquare), {
        seed: 0,
        budget: 16,
        count: 4,
      });
      const cells = new Set(
        configs.map((c) => Math.floor((c.x as number) * 4) * 4 + Math.floor((c.y as number) * 4)),
      );
      expect(cells.size).toBe(16);
    }
  });

  it('unscrambled, starts at the centre (the origin is skipped)', async () => {
    const [first] = await simulate(sobol({ scramble: false }), createSpace(unitSquare), {
      seed: 0,
      budget: 1,
    });
    expect(first).toEqual({ x: 0.5, y: 0.5 });
  });

  it('covers a finite space without repeats while untried configurations remain', async () => {
    const space = createSpace(seedGrid);
    const configs = await simulate(sobol({ seed: 1 }), space, { seed: 0, budget: 64, count: 3 });
    expect(new Set(keysOf(seedGrid, configs)).size).toBe(64);
  });

  it('avoids pending trials in a batch', async () => {
    const space = createSpace(seedGrid);
    const all = space.enumerate();
    const history: FrozenTrial[] = all
      .slice(0, 60)
      .map((c, i) => frozenTrial(i, c, i % 2 ? 'running' : 'complete', i % 2 ? undefined : i));
    const batch = await sobol().suggest({
      space,
      direction: 'minimize',
      trials: history,
      count: 4,
      seed: 0,
    });
    expect(new Set(keysOf(seedGrid, batch))).toEqual(new Set(keysOf(seedGrid, all.slice(60))));
  });

  it('keeps the net on categoricals: 16 points visit each (lr, batch) pair of the seed grid once', async () => {
    for (const seed of [0, 1, 2]) {
      const configs = await simulate(sobol({ seed }), createSpace(seedGrid), {
        seed: 0,
        budget: 16,
      });
      expect(new Set(configs.map((c) => `${c.lr}/${c.batch}`)).size).toBe(16);
      for (const name of ['lr', 'batch', 'hidden']) {
        expect(new Set(configs.slice(0, 4).map((c) => c[name])).size).toBe(4);
      }
    }
  });

  it('takes one coordinate per parameter, so a wide categorical is one dimension', async () => {
    const choices = Array.from({ length: 1025 }, (_, i) => i);
    const wide = createSpace({ c: { type: 'categorical', choices } });
    const [config] = await sobol().suggest({
      space: wide,
      direction: 'minimize',
      trials: [],
      count: 1,
      seed: 0,
    });
    expect(wide.contains(config!)).toBe(true);
  });

  it('refuses spaces with more parameters than the direction numbers', async () => {
    const space = createSpace(
      Object.fromEntries(
        Array.from({ length: 1025 }, (_, i) => [`x${i}`, { type: 'float', low: 0, high: 1 }]),
      ) as Record<string, { type: 'float'; low: number; high: number }>,
    );
    await expect(
      sobol().suggest({ space, direction: 'minimize', trials: [], count: 1, seed: 0 }),
    ).rejects.toThrow('sobol: the space has 1025 parameters, more than the 1024 supported');
  });
});
