import { existsSync } from 'node:fs';
import { createStudy, type FrozenTrial, type Strategy } from '@webtune/core';
import type { SurrogateBackend } from '@webtune/gp';
import { type Config, createSpace, type Space } from '@webtune/space';
import { describe, expect, it, type TestContext, vi } from 'vitest';
import { bayesian } from './bayesian.js';
import { gradient } from './gradient.js';
import { grid } from './grid.js';
import { random } from './random.js';
import { describeStrategyConformance } from './testing/conformance.js';
import {
  BRANIN as BRANIN_JSON,
  BRANIN_MIN,
  branin,
  SEED_GRID as SEED_GRID_JSON,
  seedGrid,
} from './testProblems.js';

/** Small pools keep the conformance runs fast; the behaviour tests below use the defaults. */
const SMALL = { candidates: 256, localCandidates: 64, restarts: 2, startupTrials: 4 } as const;

describeStrategyConformance(
  'bayesian',
  (seed) => bayesian(seed === undefined ? SMALL : { ...SMALL, seed }),
  { budget: 12, timeout: 60_000 },
);

const BRANIN = createSpace(BRANIN_JSON);
const SEED_GRID = createSpace(SEED_GRID_JSON);

function trial(number: number, params: Config, value?: number): FrozenTrial {
  return {
    number,
    params,
    state: value === undefined ? 'running' : 'complete',
    ...(value === undefined ? {} : { value }),
    intermediate: [],
    userAttrs: {},
    startedAt: 0,
  };
}

/** Runs `budget` sequential trials and returns the objective values in order. */
async function run(
  strategy: Strategy,
  space: Space,
  f: (c: Config) => number,
  budget: number,
  seed: number,
): Promise<number[]> {
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < budget; i++) {
    const [params] = await strategy.suggest({
      space,
      direction: 'minimize',
      trials,
      count: 1,
      seed,
    });
    if (!params) break;
    trials.push(trial(i, params, f(params)));
  }
  return trials.map((t) => t.value!);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

describe('bayesian', () => {
  it('beats random search on branin at 30 evaluations (median regret over seeds 0..2)', async () => {
    const regret = async (make: () => Strategy) => {
      const r: number[] = [];
      for (const seed of [0, 1, 2])
        r.push(Math.min(...(await run(make(), BRANIN, branin, 30, seed))) - BRANIN_MIN);
      return median(r);
    };
    const bo = await regret(() => bayesian());
    const rs = await regret(() => random());
    expect(bo).toBeLessThan(rs / 100);
    expect(bo).toBeLessThan(1e-2);
  }, 60_000);

  it('finds the seed grid optimum within its 60-evaluation budget, never repeating a configuration', async () => {
    for (const seed of [0, 1, 2]) {
      const values = await run(bayesian(), SEED_GRID, seedGrid, 60, seed);
      expect(Math.min(...values)).toBe(0.10937336327052119);
      // The 64 values are distinct, so distinct values mean distinct configurations.
      expect(new Set(values).size).toBe(values.length);
      expect(values.indexOf(0.10937336327052119)).toBeLessThan(40);
    }
  }, 60_000);

  it('spreads a batch by kriging believer: distinct points, away from pending trials', async () => {
    const trials: FrozenTrial[] = [];
    const history: FrozenTrial[] = [];
    const s2 = bayesian({ seed: 3 });
    for (let i = 0; i < 8; i++) {
      const [p] = await s2.suggest({
        space: BRANIN,
        direction: 'minimize',
        trials: history,
        count: 1,
        seed: 3,
      });
      history.push(trial(i, p!, branin(p!)));
    }
    const [pending] = await s2.suggest({
      space: BRANIN,
      direction: 'minimize',
      trials: history,
      count: 1,
      seed: 3,
    });
    trials.push(...history, trial(8, pending!));
    const batch = await s2.suggest({
      space: BRANIN,
      direction: 'minimize',
      trials,
      count: 4,
      seed: 3,
    });
    expect(batch).toHaveLength(4);
    const pts = [...batch, pending!].map((c) => BRANIN.encode(c));
    let minDist = Number.POSITIVE_INFINITY;
    for (let i = 0; i < pts.length; i++) {
      for (let j = 0; j < i; j++) {
        minDist = Math.min(
          minDist,
          Math.hypot(pts[i]![0]! - pts[j]![0]!, pts[i]![1]! - pts[j]![1]!),
        );
      }
    }
    expect(minDist).toBeGreaterThan(1e-3);
  }, 60_000);

  it('maximises when the study maximises', async () => {
    const strategy = bayesian({ seed: 1 });
    const trials: FrozenTrial[] = [];
    const space = createSpace({ x: { type: 'float', low: 0, high: 1 } });
    for (let i = 0; i < 15; i++) {
      const [p] = await strategy.suggest({
        space,
        direction: 'maximize',
        trials,
        count: 1,
        seed: 1,
      });
      trials.push(trial(i, p!, -(((p!.x as number) - 0.3) ** 2)));
    }
    const best = Math.max(...trials.map((t) => t.value!));
    expect(best).toBeGreaterThan(-1e-6);
  }, 30_000);

  it('keeps suggesting when a finite start-up design runs out before startupTrials complete', async () => {
    // A 2-point grid as start-up with startupTrials 4 used to return [] on the third call,
    // which ends a study early (2 trials of the 6 asked for).
    for (const make of [bayesian, gradient]) {
      const study = createStudy({
        space: { x: { type: 'float', low: 0, high: 1 } },
        strategy: make({ ...SMALL, startup: grid({ resolution: 2 }), seed: 1 }),
        seed: 1,
      });
      await study.optimize((p) => ((p.x as number) - 0.3) ** 2, { trials: 6 });
      expect(study.trials.length, make.name).toBe(6);
      const keys = study.trials.map((t) => String(t.params.x));
      expect(new Set(keys).size, make.name).toBe(6);
    }
  });

  it.each([
    ['bayesian', bayesian],
    ['gradient', gradient],
  ] as const)(
    '%s stops after the fit when the run has stopped, and the next call suggests what an uninterrupted one would',
    async (_, make) => {
      const trials = [0, 1, 2, 3, 4, 5].map((i) =>
        trial(
          i,
          { x1: -5 + 2.5 * i, x2: 15 - 2 * i },
          branin({ x1: -5 + 2.5 * i, x2: 15 - 2 * i }),
        ),
      );
      const context = { space: BRANIN, direction: 'minimize', trials, count: 1, seed: 7 } as const;
      const stopped = new AbortController();
      stopped.abort(new DOMException('the run stopped', 'AbortError'));
      const strategy = make({ ...SMALL });
      await expect(strategy.suggest({ ...context, signal: stopped.signal })).rejects.toThrow(
        'the run stopped',
      );
      const again = await strategy.suggest(context);
      const fresh = await make({ ...SMALL }).suggest(context);
      expect(again).toEqual(fresh);
    },
  );

  it('handles a 2,000-choice categorical (an encoding wider than the 1,024 dims Sobol supports) in bayesian and gradient', async () => {
    const choices = Array.from({ length: 2000 }, (_, i) => `c${i}`);
    const space = createSpace({
      x: { type: 'float', low: 0, high: 1 },
      pick: { type: 'categorical', choices },
    });
    expect(space.dims).toBe(2001);
    // Choice i's value is its distance from c1234, plus the float's.
    const f = (c: Config) =>
      Math.abs(Number((c.pick as string).slice(1)) - 1234) / 2000 + (c.x as number);
    for (const strategy of [
      bayesian({ startupTrials: 5, seed: 1 }),
      gradient({ startupTrials: 5, seed: 1 }),
    ]) {
      const values = await run(strategy, space, f, 9, 1);
      expect(values).toHaveLength(9);
      for (const v of values) expect(Number.isFinite(v)).toBe(true);
    }
  }, 60_000);

  it('rejects bad options before any work, naming the option and value', () => {
    expect(() => bayesian({ acquisition: 'foo' as never })).toThrow(/bayesian\.acquisition: 'foo'/);
    expect(() => bayesian({ kernel: 'linear' as never })).toThrow(/bayesian\.kernel: 'linear'/);
    expect(() => bayesian({ candidates: 0 })).toThrow(/bayesian\.candidates: 0/);
    expect(() => bayesian({ startup: 1.5 })).toThrow(/bayesian\.startupTrials: 1\.5/);
    expect(() => bayesian({ backend: 'tpu' as never })).toThrow(/bayesian\.backend: 'tpu'/);
    expect(() => bayesian({ xi: -1 })).toThrow(/bayesian\.xi: -1/);
    expect(() => bayesian({ fit: { noise: -1 } })).toThrow(/bayesian\.fit\.noise: -1/);
  });

  it('scores candidates on the WebGPU backend with the same suggestions as on the CPU', async (ctx) => {
    const backend = await webgpuOrSkip(ctx);
    try {
      const onGpu = await run(bayesian({ surrogateBackend: backend }), BRANIN, branin, 12, 4);
      const onCpu = await run(bayesian({ backend: 'cpu' }), BRANIN, branin, 12, 4);
      // f32 scoring picks the same polishing starts; the polish itself runs in f64 on the CPU.
      onGpu.forEach((v, i) => {
        expect(v).toBeCloseTo(onCpu[i]!, 6);
      });
    } finally {
      backend.destroy();
    }
  }, 60_000);

  it('goes on when the WebGPU device is lost mid-study: later suggestions score on the CPU, every trial completes, the loss is reported once', async (ctx) => {
    const backend = (await webgpuOrSkip(ctx)) as SurrogateBackend & {
      device: GPUDevice;
      lost: boolean;
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const study = createStudy({
        space: BRANIN,
        strategy: bayesian({ surrogateBackend: backend }),
        seed: 4,
      });
      let calls = 0;
      await study.optimize(
        (c) => {
          // Trial 8 (a model-based one: start-up is 5 here) loses the device under the study.
          if (++calls === 8) backend.device.destroy();
          return branin(c);
        },
        { trials: 12 },
      );
      expect(study.trials.map((t) => t.state)).toEqual(Array(12).fill('complete'));
      expect(backend.lost).toBe(true);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('WebGPU device lost');
      // The same study on the CPU all along suggests the same points (to f32 scoring's tolerance).
      const onCpu = await run(bayesian({ backend: 'cpu' }), BRANIN, branin, 12, 4);
      study.trials.forEach((t, i) => {
        expect(t.value).toBeCloseTo(onCpu[i]!, 6);
      });
    } finally {
      warn.mockRestore();
      backend.destroy();
    }
  }, 60_000);
});

/** A WebGPU scoring backend, or a skip where this machine has no adapter (never under CI). */
async function webgpuOrSkip(ctx: TestContext): Promise<SurrogateBackend> {
  // Node's Dawn needs a Vulkan driver: Chromium's SwiftShader where installed (shared/webgpu.md).
  const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) {
    process.env.VK_ICD_FILENAMES = swiftshader;
  }
  const gp = await import('@webtune/gp');
  try {
    return await gp.createSurrogateBackend({ backend: 'webgpu' });
  } catch (error) {
    // No WebGPU adapter on this machine.
    expect((error as Error).message).toMatch(/no WebGPU adapter/);
    // CI installs Chromium's SwiftShader: there the adapter must exist.
    expect(process.env.CI).toBeFalsy();
    ctx.skip();
    throw error;
  }
}
