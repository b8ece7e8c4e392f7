// Fit and scoring times of the CPU backend on hartmann6-sized problems (d = 6).
// Run: npm run build -w @webtune/gp && node packages/gp/bench/fit.bench.mjs [--json out.json]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { createCpuBackend, fitGP, logPosteriorObjective, standardize } from '../dist/index.js';

const d = 6;
const sizes = [25, 50, 100, 200];
const candidates = 2048;
const reps = 7;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Hartmann-6 (the protocol's problem), so the fitted lengthscales are realistic.
const A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));
const ALPHA = [1, 1.2, 3, 3.2];
function hartmann6(x, o) {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    let e = 0;
    for (let j = 0; j < 6; j++) e += A[i][j] * (x[o + j] - P[i][j]) ** 2;
    s -= ALPHA[i] * Math.exp(-e);
  }
  return s;
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[s.length >> 1];
};

const kernel = { kind: 'matern52', d };
const rows = [];
for (const n of sizes) {
  const random = mulberry32(n);
  const x = new Float64Array(n * d).map(random);
  const y = new Float64Array(n).map((_, i) => hartmann6(x, i * d));
  const xc = new Float64Array(candidates * d).map(random);
  const cold = [];
  const coldNoRestart = [];
  const warm = [];
  const score = [];
  let evalMs = 0;
  let gp;
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    gp = fitGP(x, y, n, { kernel, restarts: 2, random: mulberry32(r) });
    cold.push(performance.now() - t);
    t = performance.now();
    fitGP(x, y, n, { kernel, restarts: 0 });
    coldNoRestart.push(performance.now() - t);
    // Warm start from a fit on n − 1 points, as a strategy refits after each new trial.
    const prev = fitGP(x, y, n - 1 > 0 ? n - 1 : n, { kernel, restarts: 0 });
    t = performance.now();
    fitGP(x, y, n, { kernel, restarts: 0, warmStart: prev.params });
    warm.push(performance.now() - t);
    t = performance.now();
    await createCpuBackend().scoreTopK(gp, xc, candidates, { kind: 'logEI', best: -1 }, 8);
    score.push(performance.now() - t);
  }
  const obj = logPosteriorObjective(kernel, x, standardize(y, n).ys, n);
  const theta = obj.theta(gp.params);
  const grad = new Float64Array(obj.k);
  const t0 = performance.now();
  let evals = 0;
  while (performance.now() - t0 < 200) {
    obj.evaluate(theta, grad);
    evals++;
  }
  evalMs = (performance.now() - t0) / evals;
  rows.push({
    n,
    d,
    fitColdRestarts2Ms: median(cold),
    fitColdNoRestartMs: median(coldNoRestart),
    fitWarmMs: median(warm),
    lmlEvalMs: evalMs,
    scoreTopK2048Ms: median(score),
  });
}

const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version };
const result = { machine, candidates, reps, rows };
const out = process.argv.indexOf('--json');
if (out > 0 && process.argv[out + 1])
  writeFileSync(process.argv[out + 1], JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
const f = (v) => v.toFixed(2);
console.log(
  `\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; median of ${reps} runs, ms\n`,
);
console.log(
  '| n | d | fit cold (2 restarts) | fit cold (0 restarts) | fit warm (0 restarts) | one LML+grad eval | scoreTopK 2048 logEI |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.n} | ${r.d} | ${f(r.fitColdRestarts2Ms)} | ${f(r.fitColdNoRestartMs)} | ${f(r.fitWarmMs)} | ${f(r.lmlEvalMs)} | ${f(r.scoreTopK2048Ms)} |`,
  );
}
