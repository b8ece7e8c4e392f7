import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { type PreviewServer, preview } from 'vite';
import type { RunState } from '../../apps/demo/src/run.js';
import { launch } from '../support/chromium.mjs';

/*
 * The demo, built by `turbo run build` (apps/demo/dist), served by `vite preview` on 127.0.0.1
 * (WebGPU needs a secure context) and driven through its form in Debian's headless Chromium,
 * whose WebGPU adapter here is SwiftShader (software, fallback).
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DEMO = join(ROOT, 'apps/demo');
const SCREENSHOTS = join(ROOT, 'test-results');

let server: PreviewServer;
let url: string;
let context: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;

test.beforeAll(async () => {
  if (!existsSync(join(DEMO, 'dist/index.html'))) {
    throw new Error('apps/demo/dist is missing: run `npx turbo run build` first');
  }
  server = await preview({
    root: DEMO,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const local = server.resolvedUrls?.local[0];
  if (!local) throw new Error('vite preview reported no local URL');
  url = local;
  const browser = await launch({ viewport: { width: 1180, height: 1000 } });
  context = browser.context;
  closeBrowser = browser.close;
});

test.afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
});

/** Opens the demo and collects console errors (the study worker's included) and uncaught exceptions. */
async function open(): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.__webtune?.adapter != null);
  return { page, errors };
}

/** Fills the form, presses Start and waits until the run is done (or failed). */
async function run(page: Page, settings: Record<string, string>): Promise<RunState> {
  for (const [name, value] of Object.entries(settings)) {
    const field = page.locator(`#settings [name="${name}"]`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await page.getByRole('button', { name: 'Start' }).click();
  await page.waitForFunction(() => window.__webtune.state === 'running');
  await page.waitForFunction(() => ['done', 'error'].includes(window.__webtune.state), undefined, {
    timeout: 200_000,
    polling: 250,
  });
  return page.evaluate(() => window.__webtune);
}

function expectTrainedTrials(s: RunState, count: number, tfBackend: string): void {
  expect(s.error).toBeNull();
  expect(s.state).toBe('done');
  expect(s.stopReason).toBe('trials');
  expect(s.tfBackend).toBe(tfBackend);
  expect(s.trials).toHaveLength(count);
  for (const t of s.trials) {
    expect(t.state, `trial ${t.number}: ${t.error}`).toBe('complete');
    expect(t.valAccuracy).toBeGreaterThan(0);
    expect(t.valAccuracy).toBeLessThanOrEqual(1);
    expect(t.testAccuracy).toBeGreaterThan(0);
    expect(t.testAccuracy).toBeLessThanOrEqual(1);
    expect(t.tfBackend).toBe(tfBackend);
    expect(t.durationMs).toBeGreaterThan(0);
  }
  const values = s.trials.map((t) => t.valAccuracy as number);
  expect(s.best?.value).toBe(Math.max(...values));
  expect(s.best?.number).toBe(values.indexOf(Math.max(...values)));
}

test('bayesian search on the seed grid: TF.js trains on cpu, the GP scores on WebGPU', async () => {
  const { page, errors } = await open();
  const s = await run(page, {
    example: 'seed-grid',
    strategy: 'bayesian',
    gpBackend: 'webgpu',
    startupTrials: '2',
    tfBackend: 'cpu',
    trials: '4',
    epochs: '2',
    seed: '0',
  });
  expectTrainedTrials(s, 4, 'cpu');
  expect(s.adapter?.available).toBe(true);
  expect(s.adapter?.architecture).not.toBe('');
  // Trials 2 and 3 come from the GP, scored by the WebGPU backend on its own device.
  expect(s.gp?.name).toBe('webgpu');
  expect(s.gp?.sharedDevice).toBe(false);
  expect(s.gp?.calls).toBeGreaterThanOrEqual(2);
  // The page shows what the hook says.
  await expect(page.locator('#trials tbody tr')).toHaveCount(4);
  await expect(page.locator('#trials tbody tr.best td').first()).toHaveText(String(s.best?.number));
  await expect(page.locator('#chart circle')).toHaveCount(4);
  await expect(page.locator('#adapter')).toContainText(s.adapter?.architecture ?? '?');
  await expect(page.locator('#gp')).toContainText('webgpu');
  await expect(page.locator('#state')).toHaveText(/^done \(trials; 4 trials\)/);
  await page.screenshot({ path: join(SCREENSHOTS, 'demo-e2e.png'), fullPage: true });
  expect(errors).toEqual([]);
  await page.close();
});

test('TF.js on WebGPU shares its GPUDevice with the GP (continuous MLP space)', async () => {
  const { page, errors } = await open();
  const s = await run(page, {
    example: 'mlp-continuous',
    strategy: 'bayesian',
    gpBackend: 'webgpu',
    startupTrials: '1',
    tfBackend: 'webgpu',
    trials: '2',
    epochs: '1',
    seed: '3',
  });
  expectTrainedTrials(s, 2, 'webgpu');
  expect(s.gp?.name).toBe('webgpu');
  expect(s.gp?.sharedDevice).toBe(true);
  expect(s.gp?.calls).toBeGreaterThanOrEqual(1);
  await expect(page.locator('#gp')).toContainText('on TF.js’s GPUDevice');
  await page.screenshot({ path: join(SCREENSHOTS, 'demo-e2e-webgpu.png'), fullPage: true });
  expect(errors).toEqual([]);
  await page.close();
});

test('the median pruner stops trials that fall below the median before their last epoch', async () => {
  const { page, errors } = await open();
  const s = await run(page, {
    example: 'seed-grid',
    strategy: 'random',
    pruner: 'median',
    tfBackend: 'cpu',
    trials: '10',
    epochs: '3',
    seed: '0',
  });
  expect(s.error).toBeNull();
  expect(s.stopReason).toBe('trials');
  expect(s.trials).toHaveLength(10);
  const pruned = s.trials.filter((t) => t.state === 'pruned');
  const complete = s.trials.filter((t) => t.state === 'complete');
  expect(pruned.length).toBeGreaterThan(0);
  expect(pruned.length + complete.length).toBe(10);
  for (const t of pruned) expect(t.epochs).toBeLessThan(3);
  for (const t of complete) expect(t.epochs).toBe(3);
  // The first five trials (the pruner's startup) always run to the end.
  expect(s.trials.slice(0, 5).every((t) => t.state === 'complete')).toBe(true);
  const values = complete.map((t) => t.valAccuracy as number);
  expect(s.best?.value).toBe(Math.max(...values));
  await expect(page.locator('#trials tbody tr[data-state="pruned"]')).toHaveCount(pruned.length);
  await expect(page.locator('#chart circle')).toHaveCount(complete.length);
  expect(errors).toEqual([]);
  await page.close();
});

test('Stop aborts a random search after its first trial', async () => {
  const { page, errors } = await open();
  for (const [name, value] of Object.entries({ strategy: 'random', tfBackend: 'cpu' })) {
    await page.locator(`#settings [name="${name}"]`).selectOption(value);
  }
  await page.locator('#settings [name="trials"]').fill('50');
  await page.locator('#settings [name="epochs"]').fill('1');
  await page.getByRole('button', { name: 'Start' }).click();
  await page.waitForFunction(() => window.__webtune.trials.some((t) => t.state === 'complete'));
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.waitForFunction(() => window.__webtune.state !== 'running', undefined, {
    timeout: 60_000,
  });
  const s = await page.evaluate(() => window.__webtune);
  expect(s.error).toBeNull();
  expect(s.state).toBe('done');
  expect(s.stopReason).toBe('aborted');
  expect(s.trials.length).toBeLessThan(50);
  console.log(
    `stopped after ${s.trials.length} trials: ${s.trials.map((t) => t.state).join(', ')}`,
  );
  expect(s.trials.every((t) => t.state !== 'running')).toBe(true);
  expect(s.gp).toBeNull();
  await expect(page.locator('#gp')).toHaveText('not used (random search needs no surrogate)');
  await expect(page.getByRole('button', { name: 'Start' })).toBeVisible();
  expect(errors).toEqual([]);
  await page.close();
});

test('a bad setting is refused before any work starts, naming the field and the value', async () => {
  const { page, errors } = await open();
  await page.locator('#settings [name="trials"]').fill('0');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.locator('#state')).toHaveText(
    "error: trials: '0' must be an integer in [1, 500]",
  );
  const s = await page.evaluate(() => window.__webtune);
  expect(s.state).toBe('error');
  expect(s.trials).toEqual([]);
  expect(page.workers()).toEqual([]);
  expect(errors).toEqual([]);
  await page.close();
});
