// How long a Bayesian ask takes as the study grows (issue 9's measurement), on the CPU backend.
//
//   node benchmarks/ask/run.mjs --at 100,200,400,800 --dims 6,20 [--asks 3]
//       n uniform random trials, then a fresh `bayesian()` asked `asks` times (each answer told
//       before the next ask): the first ask is a cold start (no fit state, as after a resume),
//       the others are what a running study pays per trial.
//   node benchmarks/ask/run.mjs --study 2000 --dims 6 [--every 100]
//       one whole Bayesian study of that many trials: every ask timed; median and slowest ask per
//       window of `every` trials, and the total optimiser time.
//   Common: --strategy-options '{"backend":"cpu"}' (JSON merged into bayesian()'s options),
//           --seed S, --out DIR (default benchmarks/results/ask/<date>-<cpu>), --label TEXT.
//
// Objectives: d = 6 Hartmann-6 (the protocol's problem); d = 20 Hartmann-6 on the first six
// dimensions plus 14 that do not matter (the usual HPO shape). The strategy runs with bayesian()'s
// defaults (the noise is learnt); --deterministic passes `deterministic: true`, as the quality
// benchmark does for these noise-free problems. Wall time is measured with
// performance.now(); CPU time with process.cpuUsage (steadier on a shared machine).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mulberry32 as rng } from '@webtune/gp';
import { createSpace } from '@webtune/space';
import { bayesian } from '@webtune/strategies';
import { hartmann6 } from '../problems/hartmann6.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    at: { type: 'string' },
    study: { type: 'string' },
    dims: { type: 'string', default: '6' },
    asks: { type: 'string', default: '3' },
    every: { type: 'string', default: '100' },
    seed: { type: 'string', default: '0' },
    'strategy-options': { type: 'string', default: '{}' },
    out: { type: 'string' },
    label: { type: 'string', default: '' },
    deterministic: { type: 'boolean', default: false },
  },
});
if ((args.at === undefined) === (args.study === undefined)) {
  console.error('give exactly one of --at n1,n2,… or --study N');
  process.exit(2);
}
const dims = args.dims.split(',').map(Number);
const seed = Number(args.seed);
const extra = {
  ...(args.deterministic ? { deterministic: true } : {}),
  ...JSON.parse(args['strategy-options']),
};

function problem(d) {
  const names = Array.from({ length: d }, (_, i) => `x${i + 1}`);
  const space = createSpace(
    Object.fromEntries(names.map((n) => [n, { type: 'float', low: 0, high: 1 }])),
  );
  const objective = (p) => hartmann6(names.slice(0, 6).map((n) => p[n]));
  return { space, objective };
}

function trial(number, params, value) {
  return {
    number,
    params,
    state: 'complete',
    value,
    intermediate: [],
    userAttrs: {},
    startedAt: 0,
    durationMs: 0,
  };
}

async function timedAsk(strategy, space, trials) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const [config] = await strategy.suggest({ space, direction: 'minimize', trials, count: 1, seed });
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { config, wall, cpu: (c.user + c.system) / 1e6 };
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (s) => (s >= 10 ? s.toFixed(1) : s >= 1 ? s.toFixed(2) : s.toFixed(3));

const rows = [];
const started = new Date();
const loadAtStart = loadavg()[0];
if (args.at) {
  const sizes = args.at.split(',').map(Number);
  const asks = Number(args.asks);
  for (const d of dims) {
    const { space, objective } = problem(d);
    for (const n of sizes) {
      const random = rng(seed * 1000003 + n * 31 + d);
      const trials = [];
      for (let i = 0; i < n; i++) {
        const p = Object.fromEntries(space.names.map((name) => [name, random()]));
        trials.push(trial(i, p, objective(p)));
      }
      const strategy = bayesian(extra);
      const times = [];
      for (let a = 0; a < asks; a++) {
        const t = await timedAsk(strategy, space, trials);
        times.push(t);
        trials.push(trial(trials.length, t.config, objective(t.config)));
      }
      strategy.destroy?.();
      const wall = times.map((t) => t.wall);
      const row = {
        d,
        n,
        asks,
        cold: wall[0],
        median: median(wall),
        slowest: Math.max(...wall),
        medianCpu: median(times.map((t) => t.cpu)),
        wall,
      };
      rows.push(row);
      console.error(
        `d=${d} n=${n}: cold ${fmt(row.cold)} s, median ${fmt(row.median)} s, slowest ${fmt(row.slowest)} s`,
      );
    }
  }
} else {
  const total = Number(args.study);
  const every = Number(args.every);
  for (const d of dims) {
    const { space, objective } = problem(d);
    const strategy = bayesian({ seed, ...extra });
    const trials = [];
    const wall = [];
    const cpu = [];
    for (let i = 0; i < total; i++) {
      const t = await timedAsk(strategy, space, trials);
      wall.push(t.wall);
      cpu.push(t.cpu);
      trials.push(trial(i, t.config, objective(t.config)));
      if ((i + 1) % every === 0) {
        const w = wall.slice(i + 1 - every);
        const best = Math.min(...trials.map((tr) => tr.value));
        const row = {
          d,
          window: `${i + 2 - every}–${i + 1}`,
          n: i + 1,
          median: median(w),
          slowest: Math.max(...w),
          medianCpu: median(cpu.slice(i + 1 - every)),
          cumulative: wall.reduce((s, v) => s + v, 0),
          best,
        };
        rows.push(row);
        save(); // a run stopped early keeps the windows it finished
        console.error(
          `d=${d} trials ${row.window}: median ${fmt(row.median)} s, slowest ${fmt(row.slowest)} s, optimiser time so far ${fmt(row.cumulative)} s, best ${best.toFixed(5)}`,
        );
      }
    }
    strategy.destroy?.();
  }
}

function save() {
  const c = cpus();
  const machine = `${c[0]?.model ?? 'unknown CPU'} × ${c.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}; load average at start ${loadAtStart.toFixed(2)}`;
  const mode = args.at ? 'at' : 'study';
  const result = {
    machine,
    backend: extra.backend ?? 'cpu',
    started: started.toISOString(),
    mode,
    label: args.label,
    strategyOptions: extra,
    rows,
  };
  const table = args.at
    ? [
        '| d | n | cold ask (s) | median ask (s) | slowest ask (s) | median CPU (s) |',
        '|--:|--:|--:|--:|--:|--:|',
        ...rows.map(
          (r) =>
            `| ${r.d} | ${r.n} | ${fmt(r.cold)} | ${fmt(r.median)} | ${fmt(r.slowest)} | ${fmt(r.medianCpu)} |`,
        ),
      ]
    : [
        '| d | trials | median ask (s) | slowest ask (s) | slowest / median | optimiser time so far (s) | best value |',
        '|--:|--|--:|--:|--:|--:|--:|',
        ...rows.map(
          (r) =>
            `| ${r.d} | ${r.window} | ${fmt(r.median)} | ${fmt(r.slowest)} | ${(r.slowest / r.median).toFixed(1)} | ${fmt(r.cumulative)} | ${r.best.toFixed(5)} |`,
        ),
      ];
  const md = [
    `# Bayesian ask time (${mode === 'at' ? `after n random trials, ${args.asks} asks each` : `one ${args.study}-trial study`})${args.label ? `: ${args.label}` : ''}`,
    '',
    `Machine: ${machine}. Backend: ${result.backend}. Started ${result.started}. Options: \`${JSON.stringify(result.strategyOptions)}\`.`,
    '',
    ...table,
    '',
  ].join('\n');
  const out =
    args.out ??
    join(
      here,
      '..',
      'results',
      'ask',
      `${started.toISOString().slice(0, 10)}-${(c[0]?.model ?? 'cpu').split(' ')[0]}`,
    );
  mkdirSync(out, { recursive: true });
  const base = `${mode}-${dims.join('-')}${args.label ? `-${args.label.replace(/[^a-z0-9]+/gi, '-')}` : ''}`;
  writeFileSync(join(out, `${base}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(out, `${base}.md`), md);
  return { md, file: join(out, `${base}.json`) };
}

const { md, file } = save();
console.log(md);
console.error(`wrote ${file} and .md`);
