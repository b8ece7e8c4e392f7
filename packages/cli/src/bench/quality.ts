import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, platform, release } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Direction, FrozenTrial, Strategy } from '@webtune/core';
import type { Config, Space, SpaceJSON } from '@webtune/space';
import { fromJSON, isSpace } from '@webtune/space';
import { formatQualityMarkdown } from './markdown.js';
import { bestSoFar, firstHit, logRegret, median, type Summary, summarize } from './stats.js';
import { createBenchStrategy } from './strategies.js';

/** A benchmark problem: a study module that also exports its known optimum and budget. */
export interface Problem {
  /** `name` export, else the module's file name without extension. */
  name: string;
  module: string;
  space: Space;
  direction: Direction;
  objective: (params: Config) => number | Promise<number>;
  /** The known global optimum (minimum when minimising, maximum when maximising). */
  fStar: number;
  /** Evaluations per run, initial design included. */
  budget: number;
  /**
   * `deterministic` export: the objective is noise-free, so model-based strategies are created
   * with `deterministic: true` (their GP interpolates; Optuna's `deterministic_objective`). Default false.
   */
  deterministic: boolean;
}

/** Loads a problem module; throws naming the module and the missing or bad export. */
export async function loadProblem(path: string): Promise<Problem> {
  const abs = resolve(path);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`problem ${path}: cannot import (${(error as Error).message})`);
  }
  const need = (name: string, ok: (v: unknown) => boolean, what: string) => {
    if (!ok(mod[name]))
      throw new Error(`problem ${path}: export ${name} must be ${what}, got ${String(mod[name])}`);
  };
  need('objective', (v) => typeof v === 'function', 'a function');
  need('fStar', (v) => typeof v === 'number' && Number.isFinite(v), 'a finite number');
  need('budget', (v) => Number.isInteger(v) && (v as number) >= 1, 'an integer ≥ 1');
  need('space', (v) => typeof v === 'object' && v !== null, 'a Space or its JSON form');
  const direction = (mod.direction ?? 'minimize') as Direction;
  if (direction !== 'minimize' && direction !== 'maximize') {
    throw new Error(
      `problem ${path}: export direction must be 'minimize' or 'maximize', got ${String(direction)}`,
    );
  }
  if (mod.deterministic !== undefined && typeof mod.deterministic !== 'boolean') {
    throw new Error(
      `problem ${path}: export deterministic must be a boolean, got ${String(mod.deterministic)}`,
    );
  }
  const space = isSpace(mod.space) ? (mod.space as Space) : fromJSON(mod.space as SpaceJSON);
  const name = typeof mod.name === 'string' ? mod.name : basename(abs).replace(/\.[cm]?[jt]s$/, '');
  return {
    name,
    module: path,
    space,
    direction,
    objective: mod.objective as Problem['objective'],
    fStar: mod.fStar as number,
    budget: mod.budget as number,
    deterministic: mod.deterministic === true,
  };
}

/** One (problem, strategy, seed) run. */
export interface RunResult {
  seed: number;
  /** Objective values in evaluation order (NaN for failed evaluations). */
  values: number[];
  /** log10 regret of the best so far after each evaluation, floored at −12, rounded to 1e-4. */
  logRegret: number[];
  wallSeconds: number;
  objectiveSeconds: number;
  /** (wall − objective) / evaluations. */
  overheadPerTrial: number;
  /**
   * (process CPU time − objective) / evaluations: the overhead as CPU work, which other processes
   * competing for the cores do not inflate (the objective's time is counted as CPU time).
   */
  cpuOverheadPerTrial: number;
  /** 1-based evaluation at which the optimum was first hit, when it was. */
  hitAt?: number;
}

export interface StrategySummary {
  strategy: string;
  /** Summary over seeds of log10 regret after ⌊budget/2⌋ evaluations and after the budget. */
  half: Summary;
  full: Summary;
  /** Summary over seeds of the overhead, seconds per trial (wall, as the protocol defines it). */
  overhead: Summary;
  /** Summary over seeds of the CPU-time overhead, seconds per trial. */
  cpuOverhead: Summary;
  /** Seeds whose run hit the optimum, the median evaluation of the hit over those, and how many hit by 30 / by the budget. */
  hits: { seeds: number; medianAt: number; by30: number; byBudget: number };
  runs: RunResult[];
}

export interface ProblemResult {
  name: string;
  module: string;
  dims: number;
  parameters: number;
  /** Number of distinct configurations; null when the space is continuous. */
  configurations: number | null;
  budget: number;
  fStar: number;
  direction: Direction;
  deterministic: boolean;
  strategies: StrategySummary[];
}

export interface QualityResult {
  machine: { cpu: string; cores: number; node: string; os: string };
  startedAt: string;
  seeds: number;
  protocol: string;
  problems: ProblemResult[];
}

/** Options of {@link runQualityBenchmark}. */
export interface QualityOptions {
  /** Paths of problem modules (study modules exporting `fStar` and `budget`). */
  problems: readonly string[];
  /** Strategy names, as `webtune run --strategy` takes them (random, sobol, bayesian, gradient, …). */
  strategies: readonly string[];
  /** Seeds 0..seeds−1 for each (problem, strategy). */
  seeds: number;
  /** Evaluations per run; default each problem's `budget`. */
  budget?: number;
  /** Write the JSON result here. */
  out?: string;
  /** Write the Markdown tables here. */
  md?: string;
  /** Called after each run. */
  onProgress?: (event: ProgressEvent) => void;
  /** Builds a strategy by name for a problem (default: {@link createBenchStrategy}). */
  createStrategy?: (name: string, problem: Problem) => Strategy;
}

export interface ProgressEvent {
  problem: string;
  strategy: string;
  seed: number;
  /** Runs finished so far and in all. */
  done: number;
  total: number;
  finalLogRegret: number;
  overheadPerTrial: number;
}

/**
 * Runs each problem × strategy × seed (seeds 0..N−1) for the problem's budget, one trial at a
 * time, as the protocol (benchmarks/quality/PROTOCOL.md) prescribes: best-so-far after each
 * evaluation; median and IQR over seeds of log10(best − f*) (floored at −12) at budget/2 and at
 * the budget; optimiser overhead = (wall − time inside the objective) / evaluations. Writes JSON
 * (`out`) and Markdown (`md`) when asked, and returns the result.
 */
export async function runQualityBenchmark(options: QualityOptions): Promise<QualityResult> {
  const { seeds } = options;
  if (!Number.isInteger(seeds) || seeds < 1)
    throw new Error(`seeds: ${seeds} must be an integer ≥ 1`);
  if (options.budget !== undefined && !(Number.isInteger(options.budget) && options.budget >= 1)) {
    throw new Error(`budget: ${options.budget} must be an integer ≥ 1`);
  }
  if (options.problems.length === 0)
    throw new Error('problems: at least one problem module is needed');
  if (options.strategies.length === 0)
    throw new Error('strategies: at least one strategy is needed');
  const make = options.createStrategy ?? createBenchStrategy;
  const problems = await Promise.all(options.problems.map(loadProblem));
  for (const s of options.strategies) make(s, problems[0]!).destroy?.();
  const cpu = cpus();
  const result: QualityResult = {
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      node: process.version,
      os: `${platform()} ${release()}`,
    },
    startedAt: new Date().toISOString(),
    seeds,
    protocol: 'benchmarks/quality/PROTOCOL.md',
    problems: [],
  };
  const total = problems.length * options.strategies.length * seeds;
  let done = 0;
  for (const problem of problems) {
    const budget = options.budget ?? problem.budget;
    const pr: ProblemResult = {
      name: problem.name,
      module: problem.module,
      dims: problem.space.dims,
      parameters: problem.space.names.length,
      configurations: Number.isFinite(problem.space.size()) ? problem.space.size() : null,
      budget,
      fStar: problem.fStar,
      direction: problem.direction,
      deterministic: problem.deterministic,
      strategies: [],
    };
    for (const name of options.strategies) {
      const runs: RunResult[] = [];
      for (let seed = 0; seed < seeds; seed++) {
        const run = await runOnce(problem, make(name, problem), seed, budget);
        runs.push(run);
        done++;
        options.onProgress?.({
          problem: problem.name,
          strategy: name,
          seed,
          done,
          total,
          finalLogRegret: run.logRegret[run.logRegret.length - 1] ?? Number.NaN,
          overheadPerTrial: run.overheadPerTrial,
        });
      }
      pr.strategies.push(summarizeRuns(name, runs, budget));
    }
    result.problems.push(pr);
  }
  if (options.out) await writeOut(options.out, `${JSON.stringify(result)}\n`);
  if (options.md) await writeOut(options.md, formatQualityMarkdown(result));
  return result;
}

async function writeOut(path: string, text: string): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, text);
}

/** log10 regret after evaluation `at` (1-based), carrying the last value when a run stopped early. */
function regretAt(run: RunResult, at: number): number {
  const t = run.logRegret;
  if (t.length === 0) return Number.NaN;
  return t[Math.min(at, t.length) - 1]!;
}

export function summarizeRuns(
  strategy: string,
  runs: RunResult[],
  budget: number,
): StrategySummary {
  const hitEvals = runs.map((r) => r.hitAt).filter((h): h is number => h !== undefined);
  return {
    strategy,
    half: summarize(runs.map((r) => regretAt(r, Math.floor(budget / 2)))),
    full: summarize(runs.map((r) => regretAt(r, budget))),
    overhead: summarize(runs.map((r) => r.overheadPerTrial)),
    cpuOverhead: summarize(runs.map((r) => r.cpuOverheadPerTrial)),
    hits: {
      seeds: hitEvals.length,
      medianAt: median(hitEvals),
      by30: hitEvals.filter((h) => h <= 30).length,
      byBudget: hitEvals.filter((h) => h <= budget).length,
    },
    runs,
  };
}

/**
 * One run: ask the strategy for one configuration at a time (as `study.optimize` with
 * concurrency 1 does), evaluate it, record it, until the budget is spent or the strategy is
 * exhausted.
 */
export async function runOnce(
  problem: Problem,
  strategy: Strategy,
  seed: number,
  budget: number,
): Promise<RunResult> {
  const trials: FrozenTrial[] = [];
  const values: number[] = [];
  let objectiveMs = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    for (let i = 0; i < budget; i++) {
      const [params] = await strategy.suggest({
        space: problem.space,
        direction: problem.direction,
        trials,
        count: 1,
        seed,
      });
      if (params === undefined) break;
      const startedAt = Date.now();
      const s = performance.now();
      let value: number;
      let error: string | undefined;
      try {
        value = await problem.objective(params);
        if (!Number.isFinite(value)) error = `objective returned ${value}`;
      } catch (e) {
        value = Number.NaN;
        error = (e as Error).message;
      }
      const ms = performance.now() - s;
      objectiveMs += ms;
      values.push(error ? Number.NaN : value);
      const trial: FrozenTrial = error
        ? {
            number: i,
            params,
            state: 'failed',
            error,
            intermediate: [],
            userAttrs: {},
            startedAt,
            durationMs: ms,
          }
        : {
            number: i,
            params,
            state: 'complete',
            value,
            intermediate: [],
            userAttrs: {},
            startedAt,
            durationMs: ms,
          };
      trials.push(trial);
    }
  } finally {
    strategy.destroy?.();
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const sign = problem.direction === 'maximize' ? -1 : 1;
  const best = bestSoFar(values.map((v) => sign * v));
  const target = sign * problem.fStar;
  const run: RunResult = {
    seed,
    values,
    logRegret: best.map((b) => Math.round(logRegret(b, target) * 1e4) / 1e4),
    wallSeconds: wallMs / 1000,
    objectiveSeconds: objectiveMs / 1000,
    overheadPerTrial:
      values.length > 0 ? (wallMs - objectiveMs) / 1000 / values.length : Number.NaN,
    cpuOverheadPerTrial:
      values.length > 0 ? Math.max(0, cpuMs - objectiveMs) / 1000 / values.length : Number.NaN,
  };
  const hit = firstHit(
    values.map((v) => sign * v),
    target,
  );
  if (hit !== undefined) run.hitAt = hit;
  return run;
}
