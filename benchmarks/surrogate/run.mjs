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
    out: { type: 'string', default: join(root, 'benchmarks/out/surrogate') },
  },
});
const reps = Number(opts.reps ?? (opts.quick ? 2 : 3));
const cpuLimitMs = Number(opts['cpu-limit']) * 1000;
if (!(reps >= 1) || !(cpuLimitMs > 0)) {
  throw new Error(`--reps (${opts.reps}) must be ≥ 1 and --cpu-limit (${opts['cpu-limit']}) > 0`);
}

const GRID = opts.quick
  ? { n: [128, 512], m: [4096], d: [6, 20] }
  : { n: [128, 512, 2048, 8192], m: [4096, 65536, 1048576], d: [6, 20] };
const cells = [];
for (const d of GRID.d) for (const n of GRID.n) for (const m of GRID.m) cells.push({ n, m, d });
const STAGES = ['kernel', 'cholesky', 'score', 'suggest'];

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

/** ns per multiply-add of the CPU backend's scoring loop, measured here. */
async function calibrate(makeProblem, runCell) {
  const p = makeProblem(96, 2048, 6);
  const r = await runCell(p, 'cpu', 2, (s) => (s === 'score' ? undefined : 'calibration'));
  return (r.score.ms * 1e6) / (2048 * ((96 * 96) / 2 + 96 * 18));
}

function skipsFor(cell, nsPerOp, cpuWork) {
  const w = cpuWork(cell);
  const skips = {};
  for (const s of STAGES) {
    const est = (w[s] * nsPerOp) / 1e6;
    if (est * (reps + 1) > cpuLimitMs) {
      skips[s] = `estimated ${(est / 1000).toFixed(0)} s per run > ${cpuLimitMs / 1000} s limit`;
    }
  }
  return skips;
}

function gpuSkipsFor(cell, adapter, nsPerOpGpu, cpuWork) {
  // On a fallback adapter (SwiftShader: a CPU) the full grid gets the same budget as the CPU;
  // real GPUs, and the --quick grid (sized for SwiftShader), run every cell.
  if (!adapter.isFallbackAdapter || opts.quick) return {};
  return skipsFor(cell, nsPerOpGpu, cpuWork);
}

async function runNode() {
  const { makeProblem, runCell, cpuWork } = await import('./cells.mjs');
  const { createWebGPUBackend } = await import('@webtune/gp/webgpu');
  const nsPerOp = await calibrate(makeProblem, runCell);
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
  const gpuNs = gpu ? await calibrateGpu(gpu, makeProblem, runCell) : 0;
  for (const cell of cells) {
    const p = makeProblem(cell.n, cell.m, cell.d);
    const cpu = await runCell(p, 'cpu', reps, (s) => skipsFor(cell, nsPerOp, cpuWork)[s]);
    const webgpu = gpu
      ? await runCell(p, gpu, reps, (s) => gpuSkipsFor(cell, adapter, gpuNs, cpuWork)[s]).catch(
          (e) => ({ error: String(e.message ?? e) }),
        )
      : { error: adapter.error };
    report('node', cell, cpu, webgpu);
    results.cells.push({ env: 'node', ...cell, cpu, webgpu });
  }
  gpu?.destroy();
}

async function calibrateGpu(gpu, makeProblem, runCell) {
  const p = makeProblem(96, 2048, 6);
  const r = await runCell(p, gpu, 1, (s) => (s === 'score' ? undefined : 'calibration'));
  return (r.score.ms * 1e6) / (2048 * ((96 * 96) / 2 + 96 * 18));
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
  const nsPerOp =
    results.environments.find((e) => e.name === 'node')?.nsPerOp ??
    (await page
      .evaluate(() =>
        window.bench.run({ n: 96, m: 2048, d: 6 }, 'cpu', 2, {
          kernel: 'c',
          cholesky: 'c',
          suggest: 'c',
        }),
      )
      .then((r) => (r.score.ms * 1e6) / (2048 * ((96 * 96) / 2 + 96 * 18))));
  const gpuProbe = adapter.error
    ? 0
    : await page
        .evaluate(() =>
          window.bench.run({ n: 96, m: 2048, d: 6 }, 'webgpu', 1, {
            kernel: 'c',
            cholesky: 'c',
            suggest: 'c',
          }),
        )
        .then((r) => (r.score.ms * 1e6) / (2048 * ((96 * 96) / 2 + 96 * 18)));
  results.environments.push({ name: 'chromium', runtime: version, adapter, nsPerOp });
  console.log(`\n[chromium] ${version}; adapter: ${JSON.stringify(adapter)}`);
  for (const cell of cells) {
    const cpu = await page.evaluate(
      ([c, r, s]) => window.bench.run(c, 'cpu', r, s),
      [cell, reps, skipsFor(cell, nsPerOp, cpuWork)],
    );
    const webgpu = adapter.error
      ? { error: adapter.error }
      : await page
          .evaluate(
            ([c, r, s]) => window.bench.run(c, 'webgpu', r, s),
            [cell, reps, gpuSkipsFor(cell, adapter, gpuProbe, cpuWork)],
          )
          .catch((e) => ({ error: String(e.message ?? e) }));
    report('chromium', cell, cpu, webgpu);
    results.cells.push({ env: 'chromium', ...cell, cpu, webgpu });
  }
}

function markdown(results) {
  const lines = [];
  const m = results.machine;
  lines.push(`# Surrogate speed — ${results.date}`, '');
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
  return `${lines.join('\n')}\n`;
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
    `<rect x="${W - 120}" y="30" width="12" height="12" fill="#1f77b4"/><text x="${W - 103}" y="40">webgpu (f32)</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

let results;

async function main() {
  ensureBuilt();
  const vulkan = process.env.VK_ICD_FILENAMES
    ? `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}`
    : 'system Vulkan drivers';
  results = {
    date: new Date().toISOString(),
    quick: opts.quick,
    reps,
    machine: machine(),
    vulkan,
    environments: [],
    cells: [],
  };
  console.log(`machine: ${JSON.stringify(results.machine)}; ${vulkan}`);
  if (!opts['browser-only']) await runNode();
  let browser;
  if (!opts['node-only']) {
    browser = await openBrowser();
    await runBrowser(results, browser);
  }
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, 'result.json'), `${JSON.stringify(results, null, 2)}\n`);
  const md = markdown(results);
  writeFileSync(join(opts.out, 'result.md'), md);
  const svg = chart(results);
  writeFileSync(join(opts.out, 'chart.svg'), svg);
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
