#!/usr/bin/env node
// Surrogate-speed benchmark: the GP's kernel matrix, Cholesky, posterior + acquisition over m
// candidates, and a whole fit-free suggest step, on the f64 CPU backend and the WebGPU backend
// side by side, in Node (Dawn) and in headless Chromium. One command, unattended:
//
//   node benchmarks/surrogate/run.mjs [--quick] [--node-only | --browser-only] [--save]
//        [--reps N] [--cpu-limit S] [--out DIR]
//
// --quick runs n ∈ {128, 512}, m = 4096, d ∈ {6, 20} (for SwiftShader: it shows the path works,
// not its speed). --save also copies the result into benchmarks/results/surrogate/<date>-<machine>/.
// Writes result.json, result.md, chart.svg and (after a browser run) chart.png.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHROMIUM, launch, serve } from '../../test/support/chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'node-only': { type: 'boolean', default: false },
    'browser-only': { type: 'boolean', default: false },
    save: { type: 'boolean', default: false },
    reps: { type: 'string' },
    'cpu-limit': { type: 'string', default: '60' },
    'cpu-budget': { type: 'string' },
    deadline: { type: 'string' },
    out: { type: 'string', default: join(root, 'benchmarks/out/surrogate') },
    plan: { type: 'boolean', default: false },
  },
});
const reps = Number(opts.reps ?? (opts.quick ? 2 : 3));
let cpuLimitMs = Number(opts['cpu-limit']) * 1000;
const cpuBudgetS = opts['cpu-budget'] === undefined ? undefined : Number(opts['cpu-budget']);
const deadlineMs = opts.deadline === undefined ? Infinity : Number(opts.deadline) * 1000;
if (!(reps >= 1) || !(cpuLimitMs > 0)) {
  throw new Error(`--reps (${opts.reps}) must be ≥ 1 and --cpu-limit (${opts['cpu-limit']}) > 0`);
}
if (cpuBudgetS !== undefined && !(cpuBudgetS > 0)) {
  throw new Error(`--cpu-budget (${opts['cpu-budget']}) must be a number of seconds > 0`);
}
if (!(deadlineMs > 0)) throw new Error(`--deadline (${opts.deadline}) must be seconds > 0`);
const started = performance.now();
/** Past --deadline: the remaining cells are skipped, and what was measured is still written. */
const pastDeadline = () => performance.now() - started > deadlineMs;
const deadlineCell = () =>
  Object.fromEntries(STAGES.map((s) => [s, { skipped: 'past --deadline' }]));

const GRID = opts.quick
  ? { n: [128, 512], m: [4096], d: [6, 20] }
  : { n: [128, 512, 2048, 8192], m: [4096, 65536, 1048576], d: [6, 20] };
const cells = [];
for (const d of GRID.d) for (const n of GRID.n) for (const m of GRID.m) cells.push({ n, m, d });
const STAGES = ['kernel', 'cholesky', 'score', 'suggest'];

/**
 * The issue's targets on a real GPU: a whole suggest step at n = 2048, m = 65536 at least 20×
 * faster than the CPU backend, and m = 1,048,576 candidates scored in under 100 ms. The CPU's
 * suggest step at the target cell (smallest d) always runs — once, it takes minutes — whatever
 * --cpu-limit says, since the speed-up is defined against it.
 */
const TARGET = { n: 2048, m: 65536, d: GRID.d[0], speedup: 20, scoreM: 1048576, scoreMs: 100 };
const isTargetCell = (c) => c.n === TARGET.n && c.m === TARGET.m && c.d === TARGET.d;

/**
 * The 'auto' break-even sweep (see DEFAULT_MIN_WORK in @webtune/gp's webgpu/factory.ts): the
 * n and m of a study's early and middle life, where the fixed cost of a GPU call decides.
 */
const CROSSOVER = { n: [16, 32, 64, 128, 256], m: [512, 2048, 8192, 32768], d: 6 };
const CROSSOVER_SMALL = { n: [16, 64], m: [512, 2048], d: 6 };

/** Stages estimated above this many seconds per run are run once, without warm-up. */
const ONCE_ABOVE_S = 2;

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Dawn's adapter in Node: the system's Vulkan drivers, else Chromium's SwiftShader (CPU). */
async function nodeBackend(createWebGPUBackend) {
  try {
    return await createWebGPUBackend();
  } catch (e) {
    if (process.env.VK_ICD_FILENAMES || !existsSync(SWIFTSHADER_ICD)) throw e;
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    results.vulkan = `VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (no usable system Vulkan driver)`;
    return createWebGPUBackend();
  }
}

function ensureBuilt() {
  if (existsSync(join(root, 'packages/gp/dist/webgpu/index.js'))) return;
  console.log('building @webtune/gp …');
  const r = spawnSync('npm', ['run', 'build', '-w', '@webtune/gp'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('npm run build -w @webtune/gp failed');
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** The calibration cell: only its score stage runs. */
const PROBE = { n: 96, m: 2048, d: 6 };
const PROBE_POLICY = {
  kernel: { skip: 'calibration' },
  cholesky: { skip: 'calibration' },
  suggest: { skip: 'calibration' },
};

/** ns per estimated multiply-add (cells.mjs's cpuWork) of a backend, from the probe's score time. */
const nsPerOpOf = (r) => (r.score.ms * 1e6) / (PROBE.m * (PROBE.n ** 2 / 2 + PROBE.n * 18));

async function calibrate(makeProblem, runCell, backend, reps) {
  const p = makeProblem(PROBE.n, PROBE.m, PROBE.d);
  return nsPerOpOf(await runCell(p, backend, reps, (s) => PROBE_POLICY[s]));
}

/**
 * How each stage of a cell runs on a CPU-like backend (the CPU, or a fallback adapter such as
 * SwiftShader) whose cost is `nsPerOp` ns per estimated multiply-add: skipped beyond
 * --cpu-limit, once without warm-up beyond ONCE_ABOVE_S, else warm-up + reps.
 */
function policyFor(cell, nsPerOp, cpuWork, exempt = false) {
  const w = cpuWork(cell);
  const policy = {};
  for (const s of STAGES) {
    const est = (w[s] * nsPerOp) / 1e6;
    if (exempt && s === 'suggest') policy[s] = { once: true };
    else if (est > cpuLimitMs) {
      policy[s] = {
        skip: `estimated ${(est / 1000).toFixed(0)} s per run > ${cpuLimitMs / 1000} s limit`,
      };
    } else if (est > ONCE_ABOVE_S * 1000) policy[s] = { once: true };
  }
  // The target cell's score stage costs what its suggest stage does: not worth minutes twice.
  if (exempt && policy.score?.once)
    policy.score = { skip: 'the target cell times the CPU once, in suggest' };
  return policy;
}

const cpuPolicyFor = (cell, nsPerOp, cpuWork) =>
  policyFor(cell, nsPerOp, cpuWork, !opts.quick && isTargetCell(cell));

function gpuPolicyFor(cell, adapter, nsPerOpGpu, cpuWork) {
  // On a fallback adapter (SwiftShader: a CPU) the full grid gets the same budget as the CPU;
  // real GPUs, and the --quick grid (sized for SwiftShader), run every cell.
  if (!adapter.isFallbackAdapter || opts.quick) return {};
  return policyFor(cell, nsPerOpGpu, cpuWork);
}

/** Estimated seconds of the CPU side of the grid, printed up front (and alone with --plan). */
function planSeconds(nsPerOp, cpuWork) {
  let total = 0;
  for (const cell of cells) {
    const w = cpuWork(cell);
    const policy = cpuPolicyFor(cell, nsPerOp, cpuWork);
    for (const s of STAGES) {
      const p = policy[s];
      if (p?.skip) continue;
      total += ((w[s] * nsPerOp) / 1e9) * (p?.once ? 1 : reps + 1);
    }
  }
  return total;
}

/** --cpu-budget: the largest per-run limit on the ladder whose planned CPU time fits the budget. */
function fitCpuLimit(nsPerOp, cpuWork) {
  for (const s of [120, 60, 30, 20, 10, 5, 2, 1]) {
    cpuLimitMs = s * 1000;
    if (planSeconds(nsPerOp, cpuWork) <= cpuBudgetS) break;
  }
  results.cpuLimitS = cpuLimitMs / 1000;
  console.log(`--cpu-budget ${cpuBudgetS} s → --cpu-limit ${cpuLimitMs / 1000} s`);
}

async function runNode() {
  const { makeProblem, runCell, cpuWork, crossoverCell } = await import('./cells.mjs');
  const { createWebGPUBackend } = await import('@webtune/gp/webgpu');
  const nsPerOp = await calibrate(makeProblem, runCell, 'cpu', 2);
  if (cpuBudgetS !== undefined) fitCpuLimit(nsPerOp, cpuWork);
  console.log(
    `plan: the CPU side of the grid should take about ${planSeconds(nsPerOp, cpuWork).toFixed(0)} s here (${nsPerOp.toFixed(2)} ns per multiply-add)`,
  );
  if (opts.plan) return;
  let gpu;
  let adapter = {};
  try {
    gpu = await nodeBackend(createWebGPUBackend);
    const i = gpu.adapterInfo ?? {};
    adapter = {
      vendor: i.vendor,
      architecture: i.architecture,
      description: i.description,
      isFallbackAdapter: i.isFallbackAdapter,
      backendDescription: gpu.description,
    };
  } catch (e) {
    adapter = { error: String(e.message ?? e) };
  }
  const env = {
    name: 'node',
    runtime: `Node ${process.version} + webgpu (Dawn)`,
    adapter,
    nsPerOp,
  };
  results.environments.push(env);
  console.log(
    `\n[node] adapter: ${JSON.stringify(adapter)}; cpu ${nsPerOp.toFixed(2)} ns/multiply-add`,
  );
  const gpuNs = gpu ? await calibrate(makeProblem, runCell, gpu, 1) : 0;
  // The break-even sweep first: it is short, and the 'auto' threshold it measures must not be
  // what a --deadline cuts.
  if (gpu) {
    for (const c of crossoverCells(adapter)) {
      if (pastDeadline()) break;
      const r = await crossoverCell(makeProblem(c.n, c.m, c.d), gpu, reps).catch((e) => ({
        error: String(e.message ?? e),
      }));
      reportCrossover('node', c, r);
      results.crossover.push({ env: 'node', ...c, ...r });
      writeResults();
    }
  }
  for (const cell of cells) {
    if (pastDeadline()) {
      results.cells.push({ env: 'node', ...cell, cpu: deadlineCell(), webgpu: deadlineCell() });
      continue;
    }
    const p = makeProblem(cell.n, cell.m, cell.d);
    const cpu = await runCell(p, 'cpu', reps, (s) => cpuPolicyFor(cell, nsPerOp, cpuWork)[s]);
    const webgpu = gpu
      ? await runCell(p, gpu, reps, (s) => gpuPolicyFor(cell, adapter, gpuNs, cpuWork)[s]).catch(
          (e) => ({ error: String(e.message ?? e) }),
        )
      : { error: adapter.error };
    report('node', cell, cpu, webgpu);
    results.cells.push({ env: 'node', ...cell, cpu, webgpu });
    writeResults();
  }
  gpu?.destroy();
}

/** The break-even sweep's cells; on a fallback adapter only the small one (it never wins). */
function crossoverCells(adapter) {
  const g = opts.quick || adapter.isFallbackAdapter ? CROSSOVER_SMALL : CROSSOVER;
  return g.n.flatMap((n) => g.m.map((m) => ({ n, m, d: g.d })));
}

function reportCrossover(env, c, r) {
  console.log(
    `[${env}] auto sweep n=${c.n} m=${c.m}: ${r.error ? `error ${r.error}` : `cpu ${fmt({ ms: r.cpuMs })} ms, webgpu ${fmt({ ms: r.gpuMs })} ms`}`,
  );
}

/**
 * The smallest n·m from which WebGPU was faster in every swept cell at or above it — the value
 * to pass as 'auto''s minWork on this machine — or undefined when no such point exists.
 */
function breakEven(rows) {
  const ok = rows.filter((r) => !r.error);
  const work = (r) => r.n * r.m;
  const slower = ok.filter((r) => r.gpuMs >= r.cpuMs).map(work);
  const floor = slower.length ? Math.max(...slower) : -1;
  const above = ok.map(work).filter((w) => w > floor);
  return above.length ? Math.min(...above) : undefined;
}

function fmt(stage) {
  if (!stage) return '–';
  if (stage.skipped) return 'skipped';
  if (stage.error) return 'error';
  return stage.ms < 10 ? stage.ms.toFixed(2) : stage.ms.toFixed(0);
}

function report(env, cell, cpu, gpu) {
  const parts = STAGES.map((s) => `${s} ${fmt(cpu[s])}/${fmt(gpu?.[s] ?? gpu)}`);
  console.log(
    `[${env}] n=${cell.n} m=${cell.m} d=${cell.d}  (cpu/webgpu ms) ${parts.join('  ')}${gpu?.error ? `  webgpu error: ${gpu.error}` : ''}`,
  );
}

async function openBrowser() {
  const { build } = await import('vite');
  const outDir = mkdtempSync(join(os.tmpdir(), 'webtune-bench-page-'));
  await build({
    root: join(here, 'page'),
    logLevel: 'warn',
    configFile: false,
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false },
  });
  const { server, url } = await serve(outDir);
  const { context, close: closeBrowser } = await launch({
    args: ['--ignore-gpu-blocklist'],
    viewport: { width: 1200, height: 800 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(0);
  await page.goto(url);
  await page.waitForFunction(() => 'bench' in window);
  let version = 'unknown';
  try {
    version = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim();
  } catch {}
  const close = async () => {
    await page.evaluate(() => window.bench.destroy()).catch(() => {});
    await closeBrowser();
    server.close();
    rmSync(outDir, { recursive: true, force: true });
  };
  return { page, version, close };
}

async function runBrowser(results, browser) {
  const { cpuWork } = await import('./cells.mjs');
  const { page, version } = browser;
  const adapter = await page
    .evaluate(() => window.bench.adapter())
    .catch((e) => ({ error: String(e.message ?? e) }));
  const probe = (backend, r) =>
    page
      .evaluate(([c, b, k, p]) => window.bench.run(c, b, k, p), [PROBE, backend, r, PROBE_POLICY])
      .then(nsPerOpOf);
  const nsPerOp =
    results.environments.find((e) => e.name === 'node')?.nsPerOp ?? (await probe('cpu', 2));
  const gpuProbe = adapter.error ? 0 : await probe('webgpu', 1);
  results.environments.push({ name: 'chromium', runtime: version, adapter, nsPerOp });
  console.log(`\n[chromium] ${version}; adapter: ${JSON.stringify(adapter)}`);
  // The break-even sweep first, as in Node.
  for (const c of adapter.error ? [] : crossoverCells(adapter)) {
    if (pastDeadline()) break;
    const r = await page
      .evaluate(([cell, k]) => window.bench.crossover(cell, k), [c, reps])
      .catch((e) => ({ error: String(e.message ?? e) }));
    reportCrossover('chromium', c, r);
    results.crossover.push({ env: 'chromium', ...c, ...r });
    writeResults();
  }
  for (const cell of cells) {
    if (pastDeadline()) {
      results.cells.push({ env: 'chromium', ...cell, cpu: deadlineCell(), webgpu: deadlineCell() });
      continue;
    }
    const cpu = await page.evaluate(
      ([c, r, s]) => window.bench.run(c, 'cpu', r, s),
      [cell, reps, cpuPolicyFor(cell, nsPerOp, cpuWork)],
    );
    const webgpu = adapter.error
      ? { error: adapter.error }
      : await page
          .evaluate(
            ([c, r, s]) => window.bench.run(c, 'webgpu', r, s),
            [cell, reps, gpuPolicyFor(cell, adapter, gpuProbe, cpuWork)],
          )
          .catch((e) => ({ error: String(e.message ?? e) }));
    report('chromium', cell, cpu, webgpu);
    results.cells.push({ env: 'chromium', ...cell, cpu, webgpu });
    writeResults();
  }
}

function markdown(results) {
  const lines = [];
  const m = results.machine;
  lines.push(`# Surrogate speed — ${results.date}`, '');
  if (!results.complete)
    lines.push('**Partial: the run had not finished when this was written.**', '');
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; ${results.vulkan}.`,
    '',
  );
  for (const e of results.environments) {
    const a = e.adapter;
    const desc = a.error
      ? `no WebGPU (${a.error})`
      : `${a.vendor} ${a.architecture}${a.description ? ` (${a.description})` : ''}${a.isFallbackAdapter ? ', fallback adapter' : ''}`;
    lines.push(`- **${e.name}**: ${e.runtime}; adapter: ${desc}`);
  }
  lines.push(
    '',
    `Median of ${results.reps} runs after one warm-up, milliseconds, cpu / webgpu. kernel and cholesky include reading the n×n result back; score is posterior + logEI over m and the top-1 (the model already on the device); suggest is kernel + Cholesky + score + top-1 from scratch.`,
    '',
  );
  lines.push('| env | n | m | d | kernel | cholesky | score | suggest | suggest speed-up |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of results.cells) {
    const g = c.webgpu.error ? {} : c.webgpu;
    const pair = (s) => `${fmt(c.cpu[s])} / ${c.webgpu.error ? 'error' : fmt(g[s])}`;
    const sp =
      c.cpu.suggest?.ms && g.suggest?.ms ? `${(c.cpu.suggest.ms / g.suggest.ms).toFixed(2)}×` : '–';
    lines.push(
      `| ${c.env} | ${c.n} | ${c.m} | ${c.d} | ${pair('kernel')} | ${pair('cholesky')} | ${pair('score')} | ${pair('suggest')} | ${sp} |`,
    );
  }
  const skipped = results.cells.flatMap((c) =>
    ['cpu', 'webgpu'].flatMap((b) =>
      STAGES.filter((s) => c[b][s]?.skipped).map(
        (s) => `${c.env} n=${c.n} m=${c.m} d=${c.d} ${b} ${s}: ${c[b][s].skipped}`,
      ),
    ),
  );
  if (skipped.length) lines.push('', 'Skipped:', '', ...skipped.map((s) => `- ${s}`));
  lines.push('', ...targetLines(results), '', ...crossoverLines(results));
  return `${lines.join('\n')}\n`;
}

/** The issue's two speed targets, per environment, with a verdict. */
function targetLines(results) {
  const lines = [
    '## Targets',
    '',
    `Whole suggest step at n = ${TARGET.n}, m = ${TARGET.m} (d = ${TARGET.d}) ≥ ${TARGET.speedup}× the CPU backend; m = ${TARGET.scoreM.toLocaleString('en')} candidates scored (score stage) in < ${TARGET.scoreMs} ms.`,
    '',
  ];
  for (const e of results.environments) {
    const real = !e.adapter.error && !e.adapter.isFallbackAdapter;
    const note = real ? '' : ' (no real GPU here: not a speed measurement, no verdict)';
    const mine = results.cells.filter((c) => c.env === e.name);
    const t = mine.find(isTargetCell);
    const cpu = t?.cpu.suggest?.ms;
    const gpu = t?.webgpu.suggest?.ms;
    if (cpu && gpu) {
      const x = cpu / gpu;
      const verdict = real ? (x >= TARGET.speedup ? ' — **met**' : ' — **not met**') : '';
      lines.push(
        `- ${e.name}: suggest ${fmt({ ms: cpu })} ms cpu / ${fmt({ ms: gpu })} ms webgpu = ${x.toFixed(1)}×${verdict}${note}`,
      );
    } else
      lines.push(
        `- ${e.name}: the suggest target cell was not timed on both backends in this run${note}`,
      );
    const big = mine.filter((c) => c.m === TARGET.scoreM && c.webgpu.score?.ms);
    for (const c of big) {
      const ms = c.webgpu.score.ms;
      const verdict = real ? (ms < TARGET.scoreMs ? ' — **met**' : ' — **not met**') : '';
      lines.push(
        `- ${e.name}: score m = ${c.m} at n = ${c.n}, d = ${c.d}: ${fmt({ ms })} ms webgpu${verdict}`,
      );
    }
    if (!big.length)
      lines.push(`- ${e.name}: no m = ${TARGET.scoreM} cell scored on WebGPU in this run`);
  }
  return lines;
}

/** The 'auto' break-even sweep and the minWork it implies, per environment. */
function crossoverLines(results) {
  const lines = [
    "## 'auto' break-even",
    '',
    `What one suggestion's scoring costs when the strategy hands over a freshly fitted GP (k = 8, logEI, d = ${CROSSOVER.d}): the CPU's scoreTopK against WebGPU's upload of L and α + exact scoring (screen, then df64 for the candidates that can reach the top k). Median ms, cpu / webgpu.`,
    '',
  ];
  for (const e of results.environments) {
    const rows = results.crossover.filter((r) => r.env === e.name);
    if (!rows.length) continue;
    const ns = [...new Set(rows.map((r) => r.n))];
    const ms = [...new Set(rows.map((r) => r.m))];
    lines.push(
      `**${e.name}**`,
      '',
      `| n \\ m | ${ms.join(' | ')} |`,
      `|---:|${ms.map(() => '---:').join('|')}|`,
    );
    for (const n of ns) {
      const cellsFor = ms.map((m) => {
        const r = rows.find((x) => x.n === n && x.m === m);
        return !r || r.error ? 'error' : `${fmt({ ms: r.cpuMs })} / ${fmt({ ms: r.gpuMs })}`;
      });
      lines.push(`| ${n} | ${cellsFor.join(' | ')} |`);
    }
    const w = breakEven(rows);
    lines.push(
      '',
      w === undefined
        ? `WebGPU was not faster from any n·m in this sweep on this adapter: 'auto' should stay on the CPU here${e.adapter.isFallbackAdapter ? " (it does: 'auto' never picks a fallback adapter)" : ''}.`
        : `WebGPU was faster in every swept cell with n·m ≥ ${w}: on this machine pass \`minWork: ${w}\` (DEFAULT_MIN_WORK is ${results.defaultMinWork}).`,
      '',
    );
  }
  return lines;
}

/** Grouped bars (log scale) of the suggest step per cell: cpu vs webgpu, per environment. */
function chart(results) {
  const rows = results.cells;
  const W = 1100;
  const H = 420;
  const pad = { l: 70, r: 90, t: 40, b: 110 };
  const vals = rows.flatMap((c) => [c.cpu.suggest?.ms, c.webgpu.suggest?.ms]).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...vals, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...vals, 10)));
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - (Math.log10(v) - lo) / (hi - lo));
  const gw = (W - pad.l - pad.r) / Math.max(rows.length, 1);
  const bw = Math.min(22, gw / 3);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">Whole suggest step (kernel + Cholesky + score + top-1), ms, log scale</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const yy = y(10 ** e);
    parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${pad.l - 6}" y="${yy + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)}</text>`,
    );
  }
  rows.forEach((c, i) => {
    const x0 = pad.l + i * gw + gw / 2;
    [
      ['cpu', c.cpu.suggest?.ms, '#888'],
      ['webgpu', c.webgpu.suggest?.ms, '#1f77b4'],
    ].forEach(([, v, color], j) => {
      const x = x0 + (j - 1) * bw;
      if (v > 0)
        parts.push(
          `<rect x="${x}" y="${y(v)}" width="${bw - 2}" height="${H - pad.b - y(v)}" fill="${color}"/>`,
        );
      else
        parts.push(
          `<text x="${x + bw / 2}" y="${H - pad.b - 4}" text-anchor="middle" fill="${color}">×</text>`,
        );
    });
    parts.push(
      `<text transform="translate(${x0},${H - pad.b + 10}) rotate(45)" font-size="10">${c.env} n=${c.n} m=${c.m} d=${c.d}</text>`,
    );
  });
  parts.push(
    `<rect x="${W - 200}" y="30" width="12" height="12" fill="#888"/><text x="${W - 183}" y="40">cpu (f64)</text>`,
  );
  parts.push(
    `<rect x="${W - 120}" y="30" width="12" height="12" fill="#1f77b4"/><text x="${W - 103}" y="40">webgpu (df64)</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

let results;

/**
 * Writes result.json, result.md and chart.svg as they stand. Called after every cell too, so a
 * run cut short (the device's command limit) still leaves what it measured.
 */
function writeResults() {
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, 'result.json'), `${JSON.stringify(results, null, 2)}\n`);
  const md = markdown(results);
  writeFileSync(join(opts.out, 'result.md'), md);
  const svg = chart(results);
  writeFileSync(join(opts.out, 'chart.svg'), svg);
  return { md, svg };
}

async function main() {
  ensureBuilt();
  const icd = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES'].find((k) => process.env[k]);
  const vulkan = icd ? `${icd}=${process.env[icd]}` : 'system Vulkan drivers';
  results = {
    date: new Date().toISOString(),
    quick: opts.quick,
    reps,
    machine: machine(),
    vulkan,
    environments: [],
    cells: [],
    crossover: [],
    complete: false,
    defaultMinWork: (await import('@webtune/gp')).DEFAULT_MIN_WORK,
  };
  console.log(`machine: ${JSON.stringify(results.machine)}; ${vulkan}`);
  if (!opts['browser-only'] || opts.plan) await runNode();
  if (opts.plan) return;
  let browser;
  if (!opts['node-only']) {
    browser = await openBrowser();
    await runBrowser(results, browser);
  }
  results.complete = true;
  const { md, svg } = writeResults();
  if (browser) {
    await browser.page.setContent(svg);
    await browser.page.locator('svg').screenshot({ path: join(opts.out, 'chart.png') });
    await browser.close();
  }
  console.log(`\n${md}`);
  console.log(`wrote ${opts.out}/{result.json,result.md,chart.svg${browser ? ',chart.png' : ''}}`);
  if (opts.save) {
    const slug = `${results.date.slice(0, 10)}-${results.machine.cpu.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}${opts.quick ? '-quick' : ''}`;
    const dest = join(root, 'benchmarks/results/surrogate', slug);
    mkdirSync(dest, { recursive: true });
    cpSync(opts.out, dest, { recursive: true });
    console.log(`saved to ${dest}`);
  }
}

await main();
