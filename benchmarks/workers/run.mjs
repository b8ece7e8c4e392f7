// Many workers on one study in PostgreSQL (@webtune/storage-postgres). Three measurements:
//
//   overhead  bookkeeping per trial (ask + tell + 2 reports + 1 attribute, a no-op objective, the
//             random strategy) with 1, 2, 4, 8 worker processes on one study
//   asks      per-ask cost at 1,000 and 10,000 finished trials: reading only what changed since the
//             last read (what the study does) against reading the whole study before every ask
//   bayesian  the Bayesian strategy on benchmarks/problems/hartmann6.mjs, 60 trials, the objective
//             sleeping 1 s: 1 worker against 4, regret against trials and against wall time
//
//   WEBTUNE_PG_URL=postgres://… node benchmarks/workers/run.mjs [overhead,asks,bayesian]
//       [--workers 1,2,4,8] [--trials 400] [--history 1000,10000] [--seeds 3] [--out name]
//
// Each worker is a Node process of its own. Prints JSON, then Markdown, both naming the machine;
// --out writes them to benchmarks/results/<name>.json and .md. Not a test: nothing is asserted.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const URL_ = process.env.WEBTUNE_PG_URL;

const SPACE = {
  x: { type: 'float', low: -5, high: 5 },
  y: { type: 'float', low: -5, high: 5 },
};

function machine() {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'} × ${c.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A worker process: prints one JSON line with what it measured. */
async function child(kind, study, budget, goAt, seed) {
  const { createStudy } = await import('@webtune/core');
  const { postgresStorage } = await import('@webtune/storage-postgres');
  const strategies = await import('@webtune/strategies');
  const storage = postgresStorage(URL_, { heartbeatMs: 2000, graceMs: 60_000 });
  let space = SPACE;
  let objective = (p, trial) => {
    trial.report(0, p.x);
    trial.report(1, p.y);
    trial.setUserAttr('w', process.pid);
    return p.x * p.x + p.y * p.y;
  };
  let strategy = strategies.random();
  if (kind === 'bayesian') {
    const problem = await import('../problems/hartmann6.mjs');
    space = problem.space;
    objective = async (p) => {
      await sleep(1000);
      return problem.objective(p);
    };
    strategy = strategies.bayesian({ seed });
  }
  const s = createStudy({ space, strategy, seed, storage, studyName: study });
  await s.load();
  await sleep(Math.max(0, goAt - Date.now()));
  const t0 = performance.now();
  let mine = 0;
  let result = await s.optimize(objective, {
    studyTrials: budget,
    onTrialComplete: () => void mine++,
  });
  while (result.reason === 'trials' && s.counts.running > 0) {
    await sleep(200);
    result = await s.optimize(objective, {
      studyTrials: budget,
      onTrialComplete: () => void mine++,
    });
  }
  const loopMs = performance.now() - t0;
  await storage.close();
  process.stdout.write(`${JSON.stringify({ trials: mine, loopMs })}\n`);
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [self, 'child', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker exited ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

const uniq = (label) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;

async function overhead(workers, trials) {
  const rows = [];
  for (const n of workers) {
    const study = uniq(`overhead-${n}`);
    const goAt = Date.now() + 1500 + 600 * n;
    const out = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        runChild(['overhead', study, String(trials), String(goAt), String(i + 1)]),
      ),
    );
    const wallMs = Math.max(...out.map((o) => o.loopMs));
    const total = out.reduce((a, o) => a + o.trials, 0);
    rows.push({
      workers: n,
      trials: total,
      wallMs: Math.round(wallMs),
      trialsPerSecond: Math.round((total / wallMs) * 1000),
      msPerTrialPerWorker: +(out.reduce((a, o) => a + o.loopMs / o.trials, 0) / n).toFixed(2),
      perWorker: out.map((o) => o.trials),
    });
    process.stderr.write(`overhead ${n} workers: ${JSON.stringify(rows.at(-1))}\n`);
  }
  return rows;
}

/** A study with `n` complete trials (2 reports and an attribute each), written in bulk. */
async function seedStudy(pool, name, n) {
  const { rows } = await pool.query(
    `INSERT INTO webtune_studies (name, direction, space, strategy, seed, next_number)
     VALUES ($1, 'minimize', $2, 'random', 0, $3) RETURNING id`,
    [name, JSON.stringify(SPACE), n],
  );
  const id = rows[0].id;
  await pool.query(
    `INSERT INTO webtune_trials (study_id, number, params, state, value, started_at, duration_ms)
     SELECT $1, g, json_build_object('x', random() * 10 - 5, 'y', random() * 10 - 5), 'complete',
            random() * 50, 1e12 + g, 1
     FROM generate_series(0, $2 - 1) g`,
    [id, n],
  );
  await pool.query(
    `INSERT INTO webtune_trial_values (study_id, number, step, value)
     SELECT $1, g, s, random() FROM generate_series(0, $2 - 1) g, generate_series(0, 1) s ORDER BY g, s`,
    [id, n],
  );
  await pool.query(
    `INSERT INTO webtune_trial_attrs (study_id, number, key, value)
     SELECT $1, g, 'w', '1'::json FROM generate_series(0, $2 - 1) g`,
    [id, n],
  );
}

async function asks(histories) {
  const pg = (await import('pg')).default;
  const { createStudy } = await import('@webtune/core');
  const { postgresStorage, migrateSchema } = await import('@webtune/storage-postgres');
  const { random } = await import('@webtune/strategies');
  const pool = new pg.Pool({ connectionString: URL_, max: 2 });
  await migrateSchema(pool);
  const rows = [];
  const ASKS = 50;
  for (const n of histories) {
    for (const mode of ['changed since last read', 'whole study every ask']) {
      const name = uniq(`asks-${n}`);
      await seedStudy(pool, name, n);
      const storage = postgresStorage(URL_, { onWarning: () => {} });
      const seen =
        mode === 'changed since last read'
          ? storage
          : { ...storage, concurrent: true, getTrials: () => storage.getTrials() };
      const study = createStudy({
        space: SPACE,
        strategy: random(),
        seed: 1,
        storage: seen,
        studyName: name,
      });
      const l0 = performance.now();
      await study.load();
      const loadMs = performance.now() - l0;
      const times = [];
      for (let i = 0; i < ASKS; i++) {
        const t0 = performance.now();
        const trial = await study.ask();
        times.push(performance.now() - t0);
        await study.tell(trial, trial.params.x);
      }
      await storage.close();
      times.sort((a, b) => a - b);
      rows.push({
        finished: n,
        read: mode,
        loadMs: +loadMs.toFixed(1),
        askMedianMs: +times[Math.floor(ASKS / 2)].toFixed(2),
        askP90Ms: +times[Math.floor(ASKS * 0.9)].toFixed(2),
      });
      process.stderr.write(`asks: ${JSON.stringify(rows.at(-1))}\n`);
    }
  }
  await pool.end();
  return rows;
}

/** The per-seed summary of Bayesian runs (see bayesianRuns). */
function summarise(runs) {
  const summary = [];
  for (const seed of [...new Set(runs.map((r) => r.seed))]) {
    const one = runs.find((r) => r.seed === seed && r.workers === 1).curve;
    const four = runs.find((r) => r.seed === seed && r.workers === 4).curve;
    const target = one.at(-1).regret;
    const reach = four.find((p) => p.regret <= target);
    const at = (curve, k) => curve[Math.min(k, curve.length) - 1]?.regret;
    /** Regret of `curve` once `seconds` have passed (before its first trial: undefined). */
    const atTime = (curve, seconds) => curve.filter((p) => p.seconds <= seconds).at(-1)?.regret;
    summary.push({
      seed,
      regretAt15: [at(one, 15), at(four, 15)],
      regretAt30: [at(one, 30), at(four, 30)],
      regretAt60: [at(one, 60), at(four, 60)],
      seconds60: [one.at(-1).seconds, four.at(-1).seconds],
      oneWorkerRegretWhenFourEnd: atTime(one, four.at(-1).seconds),
      fourReachOneWorkerFinalRegret: reach
        ? { trials: reach.trials, seconds: reach.seconds }
        : null,
    });
  }
  return summary;
}

async function bayesianRuns(seeds) {
  const pg = (await import('pg')).default;
  const { fStar } = await import('../problems/hartmann6.mjs');
  const pool = new pg.Pool({ connectionString: URL_, max: 2 });
  const runs = [];
  for (let seed = 1; seed <= seeds; seed++) {
    for (const n of [1, 4]) {
      const study = uniq(`hartmann6-${n}w-s${seed}`);
      const goAt = Date.now() + 1500 + 600 * n;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          runChild(['bayesian', study, '60', String(goAt), String(seed * 100 + i)]),
        ),
      );
      const { rows } = await pool.query(
        `SELECT t.number, t.value, t.started_at + t.duration_ms AS finished, t.started_at
         FROM webtune_trials t JOIN webtune_studies s ON s.id = t.study_id
         WHERE s.name = $1 AND t.state = 'complete' ORDER BY finished`,
        [study],
      );
      const start = Math.min(...rows.map((r) => r.started_at));
      let best = Number.POSITIVE_INFINITY;
      const curve = rows.map((r, i) => {
        best = Math.min(best, r.value);
        return {
          trials: i + 1,
          seconds: +((r.finished - start) / 1000).toFixed(1),
          regret: best - fStar,
        };
      });
      runs.push({ seed, workers: n, curve });
      const last = curve.at(-1);
      process.stderr.write(
        `bayesian seed ${seed}, ${n} workers: ${last.trials} trials in ${last.seconds} s, regret ${last.regret.toFixed(4)}\n`,
      );
    }
  }
  await pool.end();
  return { runs, summary: summarise(runs) };
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'child') {
  const [kind, study, budget, goAt, seed] = rest;
  await child(kind, study, Number(budget), Number(goAt), Number(seed));
} else {
  if (!URL_) {
    console.error(
      'benchmarks/workers: set WEBTUNE_PG_URL to a PostgreSQL server (see .ci/postgres.sh)',
    );
    process.exit(2);
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      workers: { type: 'string', default: '1,2,4,8' },
      trials: { type: 'string', default: '400' },
      history: { type: 'string', default: '1000,10000' },
      seeds: { type: 'string', default: '3' },
      out: { type: 'string' },
      /** Re-render a results JSON (e.g. after changing the summary) instead of measuring. */
      from: { type: 'string' },
    },
  });
  const parts = (mode ?? 'overhead,asks,bayesian').split(',');
  void positionals;
  const result = values.from
    ? JSON.parse(readFileSync(values.from, 'utf8'))
    : {
        machine: machine(),
        date: new Date().toISOString(),
        database: 'PostgreSQL 15 on this machine (127.0.0.1), fsync on',
      };
  if (values.from) {
    if (result.bayesian) result.bayesian.summary = summarise(result.bayesian.runs);
  } else if (parts.includes('overhead')) {
    result.overhead = await overhead(values.workers.split(',').map(Number), Number(values.trials));
  }
  if (!values.from && parts.includes('asks')) {
    result.asks = await asks(values.history.split(',').map(Number));
  }
  if (!values.from && parts.includes('bayesian')) {
    result.bayesian = await bayesianRuns(Number(values.seeds));
  }
  const md = [
    `# Many workers on one PostgreSQL study`,
    '',
    `${result.machine}; ${result.database}; ${result.date}.`,
    '',
  ];
  if (result.overhead) {
    md.push(
      '## Bookkeeping per trial (random strategy, no-op objective with 2 reports and 1 attribute)',
      '',
      '| workers | trials | wall s | trials/s | ms per trial per worker | trials per worker |',
      '|---:|---:|---:|---:|---:|---|',
      ...result.overhead.map(
        (r) =>
          `| ${r.workers} | ${r.trials} | ${(r.wallMs / 1000).toFixed(1)} | ${r.trialsPerSecond} | ${r.msPerTrialPerWorker} | ${r.perWorker.join(', ')} |`,
      ),
      '',
    );
  }
  if (result.asks) {
    md.push(
      '## One ask (and its refresh) as the study grows: 50 asks after the finished trials',
      '',
      '| finished trials | what each ask reads | load ms | ask median ms | ask p90 ms |',
      '|---:|---|---:|---:|---:|',
      ...result.asks.map(
        (r) => `| ${r.finished} | ${r.read} | ${r.loadMs} | ${r.askMedianMs} | ${r.askP90Ms} |`,
      ),
      '',
    );
  }
  if (result.bayesian) {
    const f = (x) => (x === undefined ? '-' : x.toFixed(4));
    md.push(
      '## Bayesian on Hartmann-6, 60 trials, objective sleeping 1 s: 1 worker vs 4',
      '',
      "| seed | regret at 15 trials (1w / 4w) | at 30 | at 60 | seconds for 60 (1w / 4w) | 1 worker's regret when 4 are done | 4 workers reach the 1-worker final regret at |",
      '|---:|---|---|---|---|---|---|',
      ...result.bayesian.summary.map(
        (s) =>
          `| ${s.seed} | ${f(s.regretAt15[0])} / ${f(s.regretAt15[1])} | ${f(s.regretAt30[0])} / ${f(s.regretAt30[1])} | ${f(s.regretAt60[0])} / ${f(s.regretAt60[1])} | ${s.seconds60[0]} / ${s.seconds60[1]} | ${f(s.oneWorkerRegretWhenFourEnd)} | ${s.fourReachOneWorkerFinalRegret ? `trial ${s.fourReachOneWorkerFinalRegret.trials}, ${s.fourReachOneWorkerFinalRegret.seconds} s` : 'not within 60 trials'} |`,
      ),
      '',
      'Regret = best value so far − f* (−3.32237), trials counted in the order they finished; the full curves (trials, seconds, regret) are in the JSON.',
      '',
    );
  }
  const text = md.join('\n');
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n\n${text}`);
  if (values.out) {
    writeFileSync(
      join(here, '..', 'results', `${values.out}.json`),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    writeFileSync(join(here, '..', 'results', `${values.out}.md`), text);
  }
}
