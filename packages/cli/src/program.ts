import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LoadResult, Storage, Study } from '@webtune/core';
import { fileStorage } from '@webtune/core/node';
import { SingleBar } from 'cli-progress';
import { Command, CommanderError } from 'commander';
import { addBenchCommand } from './benchCommand.js';
import { isDatabaseUrl, openDatabase, showDatabase, studyNameFor } from './database.js';
import { CliError, firstLine, warner } from './errors.js';
import { withTrialGuard } from './guard.js';
import { ISOLATE_GRACE_MS } from './isolate.js';
import { formatBest, formatImportances, formatTrialLine, oneLine, stateCounts } from './output.js';
import { type OutputFile, writeOutputs } from './outputs.js';
import { parseFsync, parseInteger, parsePositive, parseResolution } from './parse.js';
import { checkOutputPaths } from './paths.js';
import { addPrunerOptions, createPruner, type PrunerFlags } from './pruners.js';
import { renderReport, studyImportances } from './report.js';
import { addReportCommand } from './reportCommand.js';
import { DEFAULT_STRATEGY, runStudyModule } from './run.js';
import { addStatusCommand } from './statusCommand.js';
import { STRATEGIES, type StrategyFlags } from './strategies.js';

/** Where the command writes and what it resolves paths against. */
export interface CliIO {
  /** Where results go (the best trial, tables). */
  stdout: { write(text: string): unknown };
  /** Where progress, warnings and errors go; a progress bar when it is a terminal. */
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  cwd: string;
  /** Aborted on Ctrl-C by `cli.ts`; the study stops and the outputs are still written. */
  signal?: AbortSignal;
  /**
   * Aborted on a second Ctrl-C (or SIGTERM) by `cli.ts`: trials still running end at once, failed
   * with the reason (terminated with `--isolate`, abandoned without), and the outputs are written.
   */
  force?: AbortSignal;
}

interface RunFlags extends PrunerFlags {
  strategy: string;
  trials?: string;
  seed?: string;
  concurrency?: string;
  timeout?: string;
  out?: string;
  csv?: string;
  html?: string;
  quiet?: boolean;
  /** False with --no-importance. */
  importance: boolean;
  storage?: string;
  study?: string;
  heartbeat?: string;
  grace?: string;
  fsync?: string;
  /** False with --no-replay. */
  replay: boolean;
  resolution?: string;
  shuffle?: boolean;
  retries?: string;
  multivariate?: boolean;
  acquisition?: string;
  kernel?: string;
  candidates?: string;
  startup?: string;
  backend?: string;
  isolate?: boolean;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

function strategyFlags(flags: RunFlags): StrategyFlags {
  const out: StrategyFlags = {};
  if (flags.resolution !== undefined) out.resolution = parseResolution(flags.resolution);
  if (flags.shuffle !== undefined) out.shuffle = flags.shuffle;
  if (flags.retries !== undefined) out.retries = parseInteger('retries', flags.retries, 0);
  if (flags.multivariate !== undefined) out.multivariate = flags.multivariate;
  if (flags.acquisition !== undefined) out.acquisition = flags.acquisition;
  if (flags.kernel !== undefined) out.kernel = flags.kernel;
  if (flags.candidates !== undefined)
    out.candidates = parseInteger('candidates', flags.candidates, 1);
  if (flags.startup !== undefined) out.startup = parseInteger('startup', flags.startup, 0);
  if (flags.backend !== undefined) out.backend = flags.backend;
  return out;
}

/** `resumed 10 trials from <file> (8 complete, 2 failed, 1 of them stale)` or `new study in <file>`. */
function resumeLine(journal: string, { trials, stale }: LoadResult, joined = false): string {
  if (trials.length === 0) return `new study ${joined ? '' : 'in '}${journal}\n`;
  if (joined) {
    const counts = Object.entries(stateCounts(trials))
      .filter(([, n]) => n > 0)
      .map(([state, n]) => `${n} ${state}`);
    const failed = stale.length === 0 ? '' : `; failed as stale: ${stale.join(', ')}`;
    return `joined study ${journal}: ${trials.length} trials (${counts.join(', ')}${failed})\n`;
  }
  const counts = Object.entries(stateCounts(trials))
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`);
  const staleText =
    stale.length === 0
      ? ''
      : `; ${stale.length} left running by a stopped run, now failed: ${stale.join(', ')}`;
  return `resumed ${trials.length} trials from ${journal} (${counts.join(', ')}${staleText})\n`;
}

async function runCommand(
  modulePath: string,
  flags: RunFlags,
  io: CliIO,
  mode: 'run' | 'worker' = 'run',
): Promise<number> {
  const database =
    flags.storage !== undefined && isDatabaseUrl(flags.storage) ? flags.storage : undefined;
  if (mode === 'worker' && database === undefined) {
    throw new CliError(
      `webtune worker needs --storage postgres://… (a database server every worker reaches${flags.storage === undefined ? '' : `; ${flags.storage} is a journal, which one process at a time writes`})`,
      { exitCode: 2 },
    );
  }
  for (const flag of ['study', 'heartbeat', 'grace'] as const) {
    if (flags[flag] !== undefined && database === undefined) {
      throw new CliError(`--${flag} needs --storage postgres://…: it is about a database study`, {
        exitCode: 2,
      });
    }
  }
  if (flags.fsync !== undefined && database !== undefined) {
    throw new CliError(
      '--fsync is for a journal: the database decides when its writes are durable',
      {
        exitCode: 2,
      },
    );
  }
  const studyName = database === undefined ? undefined : studyNameFor(database, flags.study);
  const heartbeatMs =
    flags.heartbeat === undefined ? undefined : parsePositive('heartbeat', flags.heartbeat) * 1000;
  const graceMs =
    flags.grace === undefined ? undefined : parsePositive('grace', flags.grace) * 1000;
  const trials = flags.trials === undefined ? undefined : parseInteger('trials', flags.trials, 1);
  // Workers sharing a study need streams of their own, else they would suggest alike.
  const seed =
    flags.seed === undefined
      ? database === undefined
        ? 0
        : randomInt(2 ** 31 - 1)
      : parseInteger('seed', flags.seed, 0);
  const concurrency =
    flags.concurrency === undefined ? 1 : parseInteger('concurrency', flags.concurrency, 1);
  const timeoutMs =
    flags.timeout === undefined ? undefined : parsePositive('timeout', flags.timeout) * 1000;
  if (!flags.replay && flags.storage === undefined) {
    throw new CliError(
      '--no-replay needs --storage: it only changes how a study resumed from a journal continues',
      { exitCode: 2 },
    );
  }
  if (flags.fsync !== undefined && flags.storage === undefined) {
    throw new CliError('--fsync needs --storage: it says when the journal reaches the disk', {
      exitCode: 2,
    });
  }
  const fsync = flags.fsync === undefined ? undefined : parseFsync(flags.fsync);
  const strategyOptions = strategyFlags(flags);
  const pruner = createPruner(flags);
  const journal =
    flags.storage === undefined || database !== undefined
      ? undefined
      : resolve(io.cwd, flags.storage);
  const place = database === undefined ? journal : `"${studyName}" at ${showDatabase(database)}`;
  await checkOutputPaths(
    io.cwd,
    [
      { what: 'the study module', path: modulePath },
      ...(journal === undefined
        ? []
        : [
            { what: `the journal (--storage ${flags.storage})`, path: journal },
            {
              what: `the journal's lock file (--storage ${flags.storage})`,
              path: `${journal}.lock`,
            },
          ]),
    ],
    [
      { flag: '--out', path: flags.out },
      { flag: '--csv', path: flags.csv },
      { flag: '--html', path: flags.html },
    ],
  );
  // A worker logs its trials: the study's progress is `webtune status`'s.
  const showBar = !flags.quiet && io.stderr.isTTY === true && mode === 'run';
  const logLines = !flags.quiet && !showBar;

  let bar: SingleBar | undefined;
  let bestText = '-';
  const started = Date.now();
  let study: Study;
  let resumed: LoadResult = { trials: [], stale: [] };
  const warn = warner(io);
  const storage: Storage | undefined =
    database !== undefined
      ? await openDatabase(database, {
          onWarning: warn,
          ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
          ...(graceMs === undefined ? {} : { graceMs }),
        })
      : journal === undefined
        ? undefined
        : fileStorage(journal, {
            onWarning: warn,
            ...(fsync === undefined ? {} : { fsync }),
          });
  try {
    study = await runStudyModule(modulePath, {
      strategy: flags.strategy,
      strategyOptions,
      seed,
      ...(studyName === undefined ? {} : { studyName }),
      wholeStudy: mode === 'worker',
      ...(heartbeatMs === undefined ? {} : { pollMs: Math.min(2000, heartbeatMs) }),
      concurrency,
      cwd: io.cwd,
      replayStrategy: flags.replay,
      onWarning: warn,
      ...(pruner === undefined ? {} : { pruner }),
      ...(storage === undefined ? {} : { storage }),
      ...(trials === undefined ? {} : { trials }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      ...(io.force === undefined ? {} : { force: io.force }),
      isolate: flags.isolate === true,
      onStart: (_study, module, budget, loaded) => {
        resumed = loaded;
        if (place !== undefined) {
          io.stderr.write(resumeLine(place, loaded, database !== undefined));
        }
        if (!showBar) return;
        const size =
          flags.strategy === 'grid'
            ? module.space.grid(
                strategyOptions.resolution === undefined
                  ? {}
                  : { resolution: strategyOptions.resolution },
              ).length
            : module.space.size();
        // Finite strategies continue where the resumed trials left off.
        const total =
          flags.strategy === 'exhaustive' || flags.strategy === 'grid'
            ? Math.min(budget ?? size, Math.max(0, size - loaded.trials.length))
            : (budget ?? size);
        bar = new SingleBar({
          stream: io.stderr as NodeJS.WritableStream,
          format:
            'webtune {bar} {value}/{total} trials | best {best} | {failed} failed | {eta_formatted}',
          hideCursor: true,
          clearOnComplete: true,
        });
        bar.start(total, 0, { best: bestText, failed: 0 });
      },
      onTrialComplete: (trial, current) => {
        const best = current.bestTrial;
        if (best?.value !== undefined) bestText = String(best.value);
        if (bar) {
          // A finite strategy's retries of failed configurations come on top of its size.
          if (bar.getProgress() >= 1) bar.setTotal(bar.getTotal() + 1);
          bar.increment(1, { best: bestText, failed: current.counts.failed });
        } else if (logLines) {
          io.stderr.write(formatTrialLine(trial));
        }
      },
    });
  } finally {
    bar?.stop();
    // Releases the journal's lock once its writes are done (also after Ctrl-C or a failed run).
    await storage?.close?.();
  }

  const json = study.toJSON();
  const studyJSON = () => `${JSON.stringify(json, null, 2)}\n`;
  const outputs = await writeOutputs(
    io.cwd,
    [
      { flag: '--out', label: 'results', path: flags.out, content: studyJSON },
      { flag: '--csv', label: 'csv', path: flags.csv, content: () => study.toCSV() },
      { flag: '--html', label: 'report', path: flags.html, content: () => renderReport(json) },
    ].filter((f): f is OutputFile => f.path !== undefined),
    io.stderr,
    {
      json: studyJSON,
      ...(journal === undefined ? {} : { journal }),
      ...(flags.out === undefined ? {} : { out: flags.out }),
    },
  );

  io.stdout.write(formatBest(study, flags.strategy));
  if (!flags.quiet && flags.importance) {
    io.stdout.write(formatImportances(studyImportances(json.trials, json.space)));
  }
  for (const line of outputs.lines) io.stdout.write(line);
  if (!flags.quiet) {
    io.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  if (io.signal?.aborted) {
    const ran = study.trials.length - resumed.trials.length;
    const terminated = (io.signal.reason as Error | undefined)?.message === 'terminated';
    io.stderr.write(`webtune: ${terminated ? 'terminated' : 'interrupted'} after ${ran} trials\n`);
    return terminated ? 143 : 130;
  }
  if (outputs.failed) return 1;
  if (study.bestTrial === undefined) {
    const failed = study.trials.find((t) => t.state === 'failed');
    throw new CliError(
      `no trial completed${failed?.error ? ` (trial ${failed.number} failed: ${oneLine(failed.error)})` : ''}`,
    );
  }
  return 0;
}

/** The options `run` and `worker` share, added to `command`. */
function addStudyOptions(command: Command, mode: 'run' | 'worker'): Command {
  return command
    .option(
      '-s, --strategy <name>',
      `search strategy: ${Object.keys(STRATEGIES).join(', ')}`,
      DEFAULT_STRATEGY,
    )
    .option(
      '-n, --trials <n>',
      mode === 'worker'
        ? "trials the whole study ends with, every worker's counted, as Optuna's MaxTrialsCallback (default: the module's trials export, else 100); retries of stale trials come on top"
        : "trials to run now; with --storage, new ones on top of those resumed, as Optuna's n_trials (default: the module's trials export, else 100; exhaustive and grid run to the end)",
    )
    .option(
      '--seed <s>',
      'seed of every random choice (default 0; with a database, a random one: workers sharing a study need streams of their own)',
    )
    .option('-c, --concurrency <k>', 'trials in flight at once (default 1)')
    .option(
      '--timeout <sec>',
      'stop after this many seconds: running trials see trial.signal abort (only --isolate ends one that ignores it)',
    )
    .option('-o, --out <file>', 'write the study as JSON')
    .option('--csv <file>', 'write the trials as CSV')
    .option('--html <file>', 'write an HTML report')
    .option('-q, --quiet', 'no progress output (and no importance line)')
    .option(
      '--no-importance',
      'skip the importance line (paramImportances of the complete trials) after the run',
    )
    .option(
      mode === 'worker' ? '--storage <url>' : '--storage <file | url>',
      mode === 'worker'
        ? 'the database holding the study, postgres://user:pass@host:port/db (tables created on first use)'
        : 'keep the study in this journal (JSON lines, one process at a time; if it holds the study, resume it: same direction and space, trials left running are failed as stale), or in a database, postgres://user:pass@host:port/db, shared with other runs and workers',
    )
    .option(
      '--study <name>',
      "with a database: the study's name (created, or joined when it exists)",
    )
    .option(
      '--heartbeat <sec>',
      'with a database: how often this worker records that it and its trials are alive (default 10)',
    )
    .option(
      '--grace <sec>',
      "with a database: a running trial with no heartbeat for this long is failed as stale and its configuration run again once (default 60; longer than any pause of the objective's event loop)",
    )
    .option(
      '--fsync <when>',
      "with --storage: 'always' (default) fsyncs each journal record; a number of ms fsyncs at most that often (faster for trials of milliseconds; a power loss can lose that window's records, a crash of webtune none); 'never' leaves it to the OS",
    )
    .option(
      '--no-replay',
      'with --storage: resume without replaying the strategy over the stored trials (one discarded suggestion each: for bayesian and gradient a GP fit each, seconds at ~100 trials, not interruptible); resumes at once, but seeded random streams start over instead of continuing exactly as one uninterrupted run',
    )
    .option(
      '--isolate',
      `run each trial in a worker thread that can be terminated: a trial still running ${ISOLATE_GRACE_MS / 1000} s after --timeout or Ctrl-C aborted trial.signal, or at a second Ctrl-C, is ended and failed with the reason. Use it for objectives that may ignore trial.signal or hang in a busy loop; without it a second Ctrl-C abandons trials that still run, and a busy loop cannot be stopped. Costs a thread per concurrent trial, each loading the module`,
    )
    .option('--resolution <r>', 'grid: values per numeric parameter, or name=r,name=r')
    .option('--shuffle', 'exhaustive, grid: visit in a seeded random order')
    .option(
      '--retries <n>',
      'exhaustive, grid: run a configuration whose trials all failed (or went stale in a stopped run) again, up to n times, after the others (default 1)',
    )
    .option('--multivariate', 'tpe: one joint Parzen estimator over all parameters')
    .option('--acquisition <name>', 'bayesian: acquisition function (ei, logEI, pi, ucb)')
    .option('--kernel <name>', 'bayesian, gradient: GP kernel (matern52, rbf)')
    .option('--candidates <n>', 'bayesian, tpe: candidates scored per suggestion')
    .option('--startup <n>', 'bayesian, gradient, tpe: start-up trials before the model takes over')
    .option('--backend <name>', 'bayesian, gradient: GP backend (cpu, webgpu, auto)');
}

/** The `webtune` command as a commander program writing to `io`; `main` runs it. */
export function createProgram(io: CliIO, done: (code: number) => void): Command {
  const program = new Command('webtune')
    .description('Hyperparameter optimisation for TypeScript: run studies and benchmarks')
    .version(version())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => {},
    });

  const run = program
    .command('run')
    .description(
      'run a study module: an ES module exporting space, objective and optionally direction, trials, pruner',
    )
    .argument('<study-module>', 'path to the module, relative to the current directory');
  addStudyOptions(run, 'run').action(async (modulePath: string, flags: RunFlags) => {
    done(await withTrialGuard(warner(io), () => runCommand(modulePath, flags, io)));
  });
  addPrunerOptions(run);

  const worker = program
    .command('worker')
    .description(
      "work on a study shared through a database with any number of other workers, on any machines: each runs the strategy on the trials it reads (the others' running trials are pending points) until the study holds --trials trials",
    )
    .argument('<study-module>', 'path to the module, relative to the current directory');
  addStudyOptions(worker, 'worker').action(async (modulePath: string, flags: RunFlags) => {
    done(await withTrialGuard(warner(io), () => runCommand(modulePath, flags, io, 'worker')));
  });
  addPrunerOptions(worker);
  addStatusCommand(program, io, done);

  addReportCommand(program, io, done);
  addBenchCommand(program, io, done);

  return program;
}

/**
 * Runs the command line (without the `node webtune` prefix) and resolves to the exit status.
 * Problems become one line on stderr: `webtune: <what is wrong>`.
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let code = 0;
  const program = createProgram(io, (c) => {
    code = c;
  });
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      io.stderr.write(`webtune: ${firstLine(error).replace(/^error: /, '')}\n`);
      return 2;
    }
    io.stderr.write(`webtune: ${firstLine(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
