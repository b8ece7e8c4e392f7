import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatQualityMarkdown } from './bench/markdown.js';
import { runQualityBenchmark } from './bench/quality.js';
import { CliError } from './errors.js';
import { parseInteger } from './parse.js';
import type { CliIO } from './program.js';
import { STRATEGIES } from './strategies.js';

/** Adds `webtune bench quality …` to the program. */
export function addBenchCommand(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('bench')
    .description('benchmarks')
    .command('quality')
    .description('optimiser quality: regret of each strategy on each problem over seeds 0..N-1')
    .requiredOption(
      '--problems <modules...>',
      'problem modules (study modules exporting fStar, budget)',
    )
    .option('--strategies <list>', 'comma-separated strategy names', 'random,sobol,bayesian')
    .option('--seeds <n>', 'seeds per (problem, strategy)', '10')
    .option('--budget <n>', "evaluations per run (default: each problem's budget)")
    .option('--out <file>', 'write the result as JSON')
    .option('--md <file>', 'write the Markdown tables')
    .option('-q, --quiet', 'no progress lines')
    .action(async (flags: BenchFlags) => {
      done(await benchQualityCommand(flags, io));
    });
}

interface BenchFlags {
  problems: string[];
  strategies: string;
  seeds: string;
  budget?: string;
  out?: string;
  md?: string;
  quiet?: boolean;
}

async function benchQualityCommand(flags: BenchFlags, io: CliIO): Promise<number> {
  const seeds = parseInteger('seeds', flags.seeds, 1);
  const budget = flags.budget === undefined ? undefined : parseInteger('budget', flags.budget, 1);
  const strategies = flags.strategies
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of strategies) {
    if (!Object.hasOwn(STRATEGIES, name)) {
      throw new CliError(
        `unknown strategy "${name}" (choose from ${Object.keys(STRATEGIES).join(', ')})`,
        { exitCode: 2 },
      );
    }
  }
  const at = (path: string) => resolve(io.cwd, path);
  const result = await runQualityBenchmark({
    problems: flags.problems.map(at),
    strategies,
    seeds,
    ...(budget === undefined ? {} : { budget }),
    ...(flags.out === undefined ? {} : { out: at(flags.out) }),
    ...(flags.md === undefined ? {} : { md: at(flags.md) }),
    onProgress: (e) => {
      if (flags.quiet) return;
      io.stderr.write(
        `[${e.done}/${e.total}] ${e.problem} ${e.strategy} seed ${e.seed}: log10 regret ${e.finalLogRegret.toFixed(2)}, overhead ${e.overheadPerTrial.toFixed(4)} s/trial\n`,
      );
    },
  });
  io.stdout.write(formatQualityMarkdown(result));
  return 0;
}
