import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createStudy, type Objective } from '@webtune/core';
import { createSpace } from '@webtune/space';
import { random } from '@webtune/strategies';
import { describe, expect, it } from 'vitest';

const examples = resolve(fileURLToPath(import.meta.url), '../../../../examples');
const load = async (name: string) =>
  (await import(pathToFileURL(resolve(examples, name)).href)) as Record<string, unknown> & {
    objective: (params: Record<string, unknown>) => number;
  };

describe('examples/seed-grid.mjs', () => {
  it("has the protocol's 64 configurations with distinct losses and the minimum at lr 0.01, batch 32, hidden 256", async () => {
    const m = await load('seed-grid.mjs');
    const space = createSpace(m.space as Parameters<typeof createSpace>[0]);
    const configs = space.enumerate();
    expect(configs).toHaveLength(64);
    const values = configs.map((c) => m.objective(c));
    expect(new Set(values).size).toBe(64);
    const min = Math.min(...values);
    expect(min).toBe(0.10937336327052119);
    expect(min).toBe(m.fStar);
    expect(configs[values.indexOf(min)]).toEqual({ lr: 0.01, batch: 32, hidden: 256 });
    expect(m.budget).toBe(60);
    expect(m.direction).toBe('minimize');
  });

  it('diverges (2.303 + ripple) for lr 1 with batch ≤ 64 only', async () => {
    const m = await load('seed-grid.mjs');
    expect(m.objective({ lr: 1, batch: 64, hidden: 128 })).toBeGreaterThan(2.29);
    expect(m.objective({ lr: 1, batch: 128, hidden: 128 })).toBeLessThan(1);
  });
});

describe('examples/branin.mjs', () => {
  it('reaches f* at its three global minima and exceeds it elsewhere', async () => {
    const m = await load('branin.mjs');
    expect(m.fStar).toBe(0.39788735772973816);
    expect(m.budget).toBe(50);
    expect(m.objective({ x1: -Math.PI, x2: 12.275 })).toBe(m.fStar);
    expect(m.objective({ x1: Math.PI, x2: 2.275 })).toBeCloseTo(m.fStar as number, 12);
    expect(m.objective({ x1: 9.42478, x2: 2.475 })).toBeCloseTo(m.fStar as number, 9);
    const space = createSpace(m.space as Parameters<typeof createSpace>[0]);
    for (const c of space.grid({ resolution: 31 })) {
      expect(m.objective(c)).toBeGreaterThanOrEqual(m.fStar as number);
    }
  });
});

describe('examples/cnn-digits.mjs', () => {
  it('searches filters and kernel size only for the CNN, and trains one on the digits', async () => {
    const m = await load('cnn-digits.mjs');
    const space = createSpace(m.space as Parameters<typeof createSpace>[0]);
    let state = 1;
    const rng = { random: () => ((state = (state * 48271) % 2147483647) - 1) / 2147483646 };
    const configs = Array.from({ length: 40 }, () => space.sample(rng));
    for (const c of configs) {
      const cnn = c.architecture === 'cnn';
      expect('filters' in c && 'kernelSize' in c, JSON.stringify(c)).toBe(cnn);
    }
    expect(new Set(configs.map((c) => c.architecture))).toEqual(new Set(['mlp', 'cnn']));
    const study = createStudy({ space, strategy: random(), direction: 'maximize' });
    study.enqueue({
      architecture: 'cnn',
      filters: 8,
      kernelSize: 3,
      lr: 0.01,
      hidden: 32,
      dropout: 0,
    });
    const objective = (m.createCnnObjective as (o: object) => Objective)({ epochs: 2 });
    await study.optimize(objective, { trials: 1 });
    const [trial] = study.trials;
    expect(trial?.state, trial?.error).toBe('complete');
    const acc = trial?.value ?? 0;
    // Ten classes: chance is 0.1; two epochs of a small CNN already get most digits right.
    expect(acc).toBeGreaterThan(0.8);
  }, 60_000);
});
