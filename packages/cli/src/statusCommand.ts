import { bestTrialOf } from '@webtune/core';
import type { Command } from 'commander';
import { isDatabaseUrl, openDatabase, showDatabase } from './database.js';
import { CliError, warner } from './errors.js';
import { stateCounts } from './output.js';
import type { CliIO } from './program.js';

interface StatusFlags {
  storage: string;
  study?: string;
}

/** `12.3 s ago`, `4 min ago`. */
function ago(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return s < 120 ? `${s.toFixed(1)} s ago` : `${Math.round(s / 60)} min ago`;
}

async function statusCommand(flags: StatusFlags, io: CliIO): Promise<number> {
  if (!isDatabaseUrl(flags.storage)) {
    throw new CliError(
      `--storage (${flags.storage}) must be a database (postgres://…); for a journal or a study JSON use webtune report <file>`,
      { exitCode: 2 },
    );
  }
  const where = showDatabase(flags.storage);
  const storage = await openDatabase(flags.storage, {
    reconnectMs: 5000,
    onWarning: warner(io),
  });
  try {
    if (flags.study === undefined) {
      const studies = await storage.listStudies();
      io.stdout.write(`${studies.length} studies at ${where}\n`);
      for (const s of studies) {
        io.stdout.write(
          `  ${s.name}: ${s.trials} trials, ${s.direction}, strategy ${s.strategy}\n`,
        );
      }
      return 0;
    }
    const found = await storage.readStudy(flags.study);
    if (found === undefined) {
      throw new CliError(
        `no study "${flags.study}" at ${where} (webtune status --storage … lists them)`,
      );
    }
    const { meta, trials } = found;
    const c = stateCounts(trials);
    const retried = trials.filter((t) => t.retryOf !== undefined);
    io.stdout.write(
      `study ${flags.study} at ${where}: ${meta.direction}, strategy ${meta.strategy}\n` +
        `trials: ${trials.length} (${c.complete} complete, ${c.running} running, ${c.failed} failed, ${c.pruned} pruned${retried.length > 0 ? `; ${retried.length} retries: ${retried.map((t) => `${t.retryOf} → ${t.number}`).join(', ')}` : ''})\n`,
    );
    const best = bestTrialOf(trials, meta.direction);
    io.stdout.write(
      best === undefined
        ? 'best: none complete yet\n'
        : `best: trial ${best.number}, value ${best.value} ${JSON.stringify(best.params)}\n`,
    );
    const workers = await storage.workers(flags.study);
    const now = Date.now();
    io.stdout.write(`workers seen: ${workers.length}\n`);
    for (const w of workers) {
      const running =
        w.running.length === 0 ? 'no trial running' : `running trial ${w.running.join(', ')}`;
      io.stdout.write(
        `  ${w.host} pid ${w.pid}: last heartbeat ${ago(now - w.heartbeatAt)}, started ${new Date(w.startedAt).toISOString()}, ${running}\n`,
      );
    }
    return 0;
  } finally {
    await storage.close();
  }
}

/** Adds `webtune status --storage postgres://… [--study NAME]` to the program. */
export function addStatusCommand(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('status')
    .description(
      'show a study live from its database: trials by state, best so far, workers seen (host, pid, last heartbeat); without --study, list the studies',
    )
    .requiredOption('--storage <url>', 'the database, postgres://user:pass@host:port/db')
    .option('--study <name>', 'the study')
    .action(async (flags: StatusFlags) => {
      done(await statusCommand(flags, io));
    });
}
