// Study-loop benchmark: wall time and peak RSS of `study.optimize` with the random strategy and a
// trivial objective, in memory and with the journal (fileStorage), for 10k / 100k / 1M trials.
//
//   node benchmarks/study/run.mjs [--trials 10000,100000,1000000] [--storage memory,journal]
//                                 [--fsync always,batched:100,never] [--limit-s 900]
//                                 [--max-always 100000] [--out name]
//
// Each case runs in its own Node process (so peak RSS is that case's alone); a case that runs past
// --limit-s is stopped and reported as such. Prints JSON, then a Markdown table, both naming the
// machine; --out writes them to benchmarks/results/<name>.json and .md.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

/** Four parameters, one of them categorical; continuous, so random never needs to avoid repeats. */
const SPACE = {
  x: { type: 'float', low: -5, high: 5 },
  y: { type: 'float', low: -5, high: 5 },
  lr: { type: 'float', low: 1e-5, high: 1, log: true },
  batch: { type: 'categorical', choices: [16, 32, 64, 128, 256] },
};
const objective = (p) => p.x * p.x + p.y * p.y + Math.log10(p.lr) ** 2 + p.batch / 256;

async function child(trials, storageKind, fsync) {
  const { createStudy, memoryStorage } = await import('@webtune/core');
  const { fileStorage } = await import('@webtune/core/node');
  const { random } = await import('@webtune/strategies');
  let dir;
  let storage = memoryStorage();
  if (storageKind === 'journal') {
    dir = mkdtempSync(join(tmpdir(), 'webtune-bench-'));
    const mode =
      fsync === 'always' ? true : fsync === 'never' ? false : { everyMs: Number(fsync.slice(8)) };
    storage = fileStorage(join(dir, 'study.jsonl'), { fsync: mode });
  }
  const study = createStudy({ space: SPACE, strategy: random(), seed: 0, storage });
  const t0 = performance.now();
  await study.optimize(objective, { trials });
  await storage.close?.();
  const wallMs = performance.now() - t0;
  const best = study.bestValue;
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({ wallMs, peakRssMiB: process.resourceUsage().maxRSS / 1024, best })}\n`,
  );
}

function machine() {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'} × ${c.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    trials: { type: 'string', default: '10000,100000,1000000' },
    storage: { type: 'string', default: 'memory,journal' },
    fsync: { type: 'string', default: 'always,batched:100' },
    'limit-s': { type: 'string', default: '900' },
    // One fsync per record (about 1.5 ms here): 1M trials would take about 50 minutes.
    'max-always': { type: 'string', default: '100000' },
    out: { type: 'string' },
  },
});

if (values.child) {
  const [n, kind, fsync] = values.child.split('/');
  await child(Number(n), kind, fsync);
} else {
  const rows = [];
  const limitS = Number(values['limit-s']);
  for (const kind of values.storage.split(',')) {
    const modes = kind === 'journal' ? values.fsync.split(',') : ['-'];
    for (const fsync of modes) {
      for (const n of values.trials.split(',').map(Number)) {
        if (fsync === 'always' && n > Number(values['max-always'])) {
          rows.push({
            trials: n,
            storage: kind,
            fsync,
            error: `not run (over --max-always ${values['max-always']})`,
            loadavg: '',
          });
          continue;
        }
        const load = loadavg()[0];
        const r = spawnSync(
          process.execPath,
          [fileURLToPath(import.meta.url), '--child', `${n}/${kind}/${fsync}`],
          { encoding: 'utf8', timeout: limitS * 1000, maxBuffer: 2 ** 24 },
        );
        const row = { trials: n, storage: kind, fsync, loadavg: Number(load.toFixed(2)) };
        if (r.status === 0) Object.assign(row, JSON.parse(r.stdout.trim().split('\n').pop()));
        else
          row.error =
            r.error?.code === 'ETIMEDOUT'
              ? `over ${limitS} s`
              : r.stderr.trim().split('\n').slice(-3).join(' ');
        rows.push(row);
        process.stderr.write(`${JSON.stringify(row)}\n`);
      }
    }
  }
  const result = { machine: machine(), date: new Date().toISOString(), space: SPACE, rows };
  const md = [
    `Study loop: random strategy, trivial objective, concurrency 1 (${result.date.slice(0, 10)})`,
    '',
    `Machine: ${result.machine}. Load average: the 1-minute figure when the case started (above the core count, other jobs shared the CPUs and the times are longer than on an idle machine).`,
    '',
    '| trials | storage | fsync | wall s | trials/s | peak RSS MiB | load avg |',
    '|---:|---|---|---:|---:|---:|---:|',
    ...rows.map((r) =>
      r.error
        ? `| ${r.trials} | ${r.storage} | ${r.fsync} | ${r.error} | | | ${r.loadavg} |`
        : `| ${r.trials} | ${r.storage} | ${r.fsync} | ${(r.wallMs / 1000).toFixed(2)} | ${Math.round(r.trials / (r.wallMs / 1000))} | ${r.peakRssMiB.toFixed(0)} | ${r.loadavg} |`,
    ),
    '',
  ].join('\n');
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${md}`);
  if (values.out) {
    writeFileSync(
      join(here, '..', 'results', `${values.out}.json`),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    writeFileSync(join(here, '..', 'results', `${values.out}.md`), md);
  }
}
