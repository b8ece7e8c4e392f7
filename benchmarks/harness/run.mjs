// Tuning benchmark: Bayesian vs random vs grid on the two digits examples, best validation
// accuracy after 10, 20 and 30 trials, test accuracy of the best trial, and wall time.
//
//   node benchmarks/harness/run.mjs [--examples seed,mlp] [--strategies bayesian,random,grid]
//                                   [--seeds 0,1,2,3,4] [--trials 30]
//   node benchmarks/harness/run.mjs --table      # rebuild RESULTS.md from results/*.json
//
// The examples' objectives are deterministic (fixed split, init and batch order: seed 0 for every
// trial), so each distinct configuration is trained once per process and memoised. A run's wall
// time is modelled as its strategy time (measured) plus the measured training time of each of its
// trials' configurations, the time it would take with no cache.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');
const CHECKPOINTS = [10, 20, 30];

const EXAMPLES = {
  seed: { file: '../../examples/seed-mlp-digits.mjs', factory: 'createSeedObjective' },
  mlp: { file: '../../examples/mlp-digits.mjs', factory: 'createMlpObjective' },
};

const STRATEGIES = {
  bayesian: (s, seed) => s.bayesian({ seed }),
  random: (s, seed) => s.random({ seed }),
  // Grid points are visited in a seeded random order: a 30-trial budget never covers a
  // lexicographic grid, and five seeds would otherwise repeat one run.
  grid: (s, seed) => s.grid({ shuffle: true, seed, resolution: 4 }),
};

function machine() {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'} × ${c.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

async function runExample(name, strategies, seeds, trials) {
  // Imported here so that --table runs without built packages.
  const { createStudy } = await import('@webtune/core');
  const strategyModule = await import('@webtune/strategies');
  const mod = await import(new URL(EXAMPLES[name].file, import.meta.url));
  const inner = mod[EXAMPLES[name].factory]();
  const cache = new Map();
  let trainedMs = 0;
  const objective = async (params, trial) => {
    const key = JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
    let hit = cache.get(key);
    if (!hit) {
      const attrs = {};
      const t0 = performance.now();
      const value = await inner(params, {
        number: trial.number,
        params: trial.params,
        signal: trial.signal,
        report: (s, v) => trial.report(s, v),
        shouldPrune: () => false,
        setUserAttr: (k, v) => {
          attrs[k] = v;
        },
      });
      const ms = performance.now() - t0;
      trainedMs += ms;
      hit = { value, attrs, ms };
      cache.set(key, hit);
    }
    for (const [k, v] of Object.entries(hit.attrs)) trial.setUserAttr(k, v);
    trial.setUserAttr('trainMs', hit.ms);
    return hit.value;
  };

  const runs = [];
  for (const strategy of strategies) {
    for (const seed of seeds) {
      const study = createStudy({
        space: mod.space,
        strategy: STRATEGIES[strategy](strategyModule, seed),
        direction: mod.direction,
        seed,
      });
      const trainedBefore = trainedMs;
      const t0 = performance.now();
      await study.optimize(objective, { trials });
      const elapsed = performance.now() - t0;
      const strategyMs = elapsed - (trainedMs - trainedBefore);
      const done = study.trials;
      const trainMs = done.reduce((s, t) => s + (t.userAttrs.trainMs ?? 0), 0);
      const bestAfter = {};
      const testOfBestAfter = {};
      for (const k of CHECKPOINTS) {
        const first = done.filter((t) => t.number < k && t.state === 'complete');
        if (done.length < k || first.length === 0) continue;
        const best = first.reduce((a, b) => (b.value > a.value ? b : a));
        bestAfter[k] = best.value;
        testOfBestAfter[k] = best.userAttrs.testAccuracy;
      }
      const best = done
        .filter((t) => t.state === 'complete')
        .reduce((a, b) => (b.value > a.value ? b : a));
      const run = {
        example: name,
        strategy,
        seed,
        trials: done.length,
        failed: done.filter((t) => t.state === 'failed').length,
        bestValAccuracyAfter: bestAfter,
        testAccuracyOfBestAfter: testOfBestAfter,
        best: {
          number: best.number,
          params: best.params,
          value: best.value,
          testAccuracy: best.userAttrs.testAccuracy,
        },
        strategyMs: Math.round(strategyMs),
        wallMs: Math.round(strategyMs + trainMs),
      };
      runs.push(run);
      console.log(
        `${name} ${strategy} seed ${seed}: best val ${CHECKPOINTS.map((k) => bestAfter[k]?.toFixed(4) ?? '—').join(' / ')} · test ${best.userAttrs.testAccuracy?.toFixed(4)} · wall ${(run.wallMs / 1000).toFixed(1)} s (strategy ${(strategyMs / 1000).toFixed(1)} s)`,
      );
    }
  }
  return { runs, distinctConfigsTrained: cache.size, trainedMs: Math.round(trainedMs) };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const cell = (xs, digits = 4) =>
  xs.length === 0 ? '—' : `${mean(xs).toFixed(digits)} ± ${sd(xs).toFixed(digits)}`;

function table() {
  const files = readdirSync(resultsDir).filter((f) => f.endsWith('.json'));
  const lines = [
    '# Tuning benchmark: digits MLP',
    '',
    'Best validation accuracy after 10 / 20 / 30 trials (mean ± sd over seeds), the test accuracy of',
    'the best-by-validation trial after 30, and the modelled wall time of a 30-trial run (strategy',
    "time measured + each trial's measured training time). Generated by",
    '`node benchmarks/harness/run.mjs`; raw numbers in `results/`.',
    '',
  ];
  for (const f of files.sort()) {
    const r = JSON.parse(readFileSync(join(resultsDir, f), 'utf8'));
    if (f === 'backends.json') {
      lines.push('## TF.js backends in Node (ms per epoch, 1079 training rows)', '');
      lines.push(
        `Machine: ${r.machine}; load average at the end ${r.loadavg.map((x) => x.toFixed(1)).join(' / ')}; ${r.date}. \`node benchmarks/harness/backends.mjs\`.`,
        '',
      );
      const backends = [...new Set(r.rows.map((x) => x.backend))];
      lines.push(
        `| hidden | batch | ${backends.join(' | ')} |`,
        `|---|---|${backends.map(() => '---').join('|')}|`,
      );
      const keys = [...new Set(r.rows.map((x) => `${x.units}/${x.batchSize}`))];
      for (const k of keys) {
        const [units, batch] = k.split('/');
        const ms = backends.map(
          (b) =>
            r.rows.find((x) => x.backend === b && `${x.units}/${x.batchSize}` === k)?.msPerEpoch ??
            '—',
        );
        lines.push(`| ${units} | ${batch} | ${ms.join(' | ')} |`);
      }
      lines.push('');
      continue;
    }
    lines.push(`## ${r.example} (${r.title})`, '');
    lines.push(
      `Machine: ${r.machine}; TF.js backend ${r.backend}; ${r.date}. Seeds ${r.seeds.join(', ')}; ${r.distinctConfigsTrained} distinct configurations trained${r.loadavg ? `; load average at the end ${r.loadavg.map((x) => x.toFixed(1)).join(' / ')}` : ''}.`,
      '',
    );
    lines.push(
      '| strategy | best val @10 | best val @20 | best val @30 | test acc of best @30 | wall time (s) | strategy time (s) |',
    );
    lines.push('|---|---|---|---|---|---|---|');
    for (const s of r.strategies) {
      const runs = r.runs.filter((x) => x.strategy === s);
      const at = (k) => runs.map((x) => x.bestValAccuracyAfter[k]).filter((v) => v !== undefined);
      const test = runs.map((x) => x.testAccuracyOfBestAfter[30]).filter((v) => v !== undefined);
      lines.push(
        `| ${s} | ${cell(at(10))} | ${cell(at(20))} | ${cell(at(30))} | ${cell(test)} | ${cell(
          runs.map((x) => x.wallMs / 1000),
          1,
        )} | ${cell(
          runs.map((x) => x.strategyMs / 1000),
          2,
        )} |`,
      );
    }
    lines.push('');
  }
  writeFileSync(join(here, 'RESULTS.md'), `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
}

const { values } = parseArgs({
  options: {
    examples: { type: 'string', default: 'seed,mlp' },
    strategies: { type: 'string', default: 'bayesian,random,grid' },
    seeds: { type: 'string', default: '0,1,2,3,4' },
    trials: { type: 'string', default: '30' },
    table: { type: 'boolean', default: false },
  },
});

if (values.table) {
  table();
} else {
  mkdirSync(resultsDir, { recursive: true });
  const strategies = values.strategies.split(',');
  const seeds = values.seeds.split(',').map(Number);
  const trials = Number(values.trials);
  for (const name of values.examples.split(',')) {
    if (!EXAMPLES[name]) throw new Error(`--examples: unknown example '${name}' (seed, mlp)`);
    const started = Date.now();
    const { runs, distinctConfigsTrained, trainedMs } = await runExample(
      name,
      strategies,
      seeds,
      trials,
    );
    const tf = await import('@tensorflow/tfjs');
    const out = {
      example: name,
      title:
        name === 'seed'
          ? 'examples/seed-mlp-digits.mjs, 64-point categorical grid'
          : 'examples/mlp-digits.mjs, continuous',
      machine: machine(),
      backend: tf.getBackend(),
      date: new Date(started).toISOString(),
      seeds,
      strategies,
      trials,
      distinctConfigsTrained,
      trainedMs,
      totalMs: Date.now() - started,
      loadavg: loadavg(),
      runs,
    };
    writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(out, null, 2)}\n`);
  }
  table();
}
