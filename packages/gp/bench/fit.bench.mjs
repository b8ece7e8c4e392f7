// Fit and scoring times of the CPU backend on hartmann6-shaped problems (d = 6).
// Run: npm run build -w @webtune/gp && node packages/gp/bench/fit.bench.mjs [--json out.json]
// Wall time is what a study pays; CPU time (process.cpuUsage) is what the same work costs on an
// idle core, and is the steadier figure on a machine shared with other jobs.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
// Hartmann-6 (the protocol's problem), so the fitted lengthscales are realistic.
import { hartmann6 } from '../../../benchmarks/problems/hartmann6.mjs';
import {
  createCpuBackend,
  fitGP,
  logPosteriorObjective,
  mulberry32,
  standardize,
} from '../dist/index.js';

const d = 6;
const sizes = [25, 50, 100, 200];
const candidates = 2048;
const reps = 7;

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[s.length >> 1];
};

/** Runs f once; returns [wall ms, cpu ms]. */
async function measure(f) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1000];
}

const kernel = { kind: 'matern52', d };
const columns = {
  fitCold3Starts: 'fit cold, default + 2 random starts',
  fitCold1Start: 'fit cold, default start only',
  fitWarm: 'refit warm (warm start only)',
  fitWarmPlusDefault: 'refit warm + default start',
  lmlEval: 'one LML + gradient evaluation',
  scoreTopK: `scoreTopK ${candidates} logEI (best = incumbent), k = 8`,
};
const rows = [];
for (const n of sizes) {
  const random = mulberry32(n);
  const x = new Float64Array(n * d).map(random);
  const y = new Float64Array(n).map((_, i) => hartmann6(x.subarray(i * d, i * d + d)));
  const xc = new Float64Array(candidates * d).map(random);
  // A strategy refits after each new trial: warm-start from the fit on the first n − 1 points.
  const prev = fitGP(x, y, Math.max(n - 1, 1), { kernel, restarts: 2 });
  const gp = fitGP(x, y, n, { kernel, restarts: 2 });
  const samples = Object.fromEntries(Object.keys(columns).map((k) => [k, []]));
  const obj = logPosteriorObjective(kernel, x, standardize(y, n).ys, n);
  const theta = obj.theta(gp.params);
  const grad = new Float64Array(obj.k);
  const backend = createCpuBackend();
  const incumbent = Math.min(...standardize(y, n).ys);
  for (let r = 0; r < reps + 1; r++) {
    const m = {
      fitCold3Starts: await measure(() =>
        fitGP(x, y, n, { kernel, restarts: 2, random: mulberry32(r) }),
      ),
      fitCold1Start: await measure(() => fitGP(x, y, n, { kernel, restarts: 0 })),
      fitWarm: await measure(() =>
        fitGP(x, y, n, { kernel, restarts: 0, warmStart: prev.params, defaultStart: false }),
      ),
      fitWarmPlusDefault: await measure(() =>
        fitGP(x, y, n, { kernel, restarts: 0, warmStart: prev.params }),
      ),
      lmlEval: await measure(() => {
        for (let i = 0; i < 10; i++) obj.evaluate(theta, grad);
      }).then(([w, c]) => [w / 10, c / 10]),
      scoreTopK: await measure(() =>
        backend.scoreTopK(gp, xc, candidates, { kind: 'logEI', best: incumbent }, 8),
      ),
    };
    if (r === 0) continue; // warm-up (JIT)
    for (const [k, v] of Object.entries(m)) samples[k].push(v);
  }
  const row = { n, d };
  for (const k of Object.keys(columns)) {
    row[`${k}WallMs`] = median(samples[k].map((v) => v[0]));
    row[`${k}CpuMs`] = median(samples[k].map((v) => v[1]));
  }
  rows.push(row);
}

const machine = {
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  node: process.version,
  loadAverage1m: os.loadavg()[0],
};
const result = { machine, candidates, reps, columns, rows };
const out = process.argv.indexOf('--json');
if (out > 0 && process.argv[out + 1]) {
  writeFileSync(process.argv[out + 1], JSON.stringify(result, null, 2));
}
console.log(JSON.stringify(result));
const f = (v) => v.toFixed(2);
console.log(
  `\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverage1m.toFixed(1)}; median of ${reps} runs; ms, wall / cpu\n`,
);
console.log(`| n | d | ${Object.values(columns).join(' | ')} |`);
console.log(
  `|---:|---:|${Object.keys(columns)
    .map(() => '---:')
    .join('|')}|`,
);
for (const r of rows) {
  const cells = Object.keys(columns).map((k) => `${f(r[`${k}WallMs`])} / ${f(r[`${k}CpuMs`])}`);
  console.log(`| ${r.n} | ${r.d} | ${cells.join(' | ')} |`);
}
