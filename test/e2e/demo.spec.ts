import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { type PreviewServer, preview } from 'vite';
import type { RunState } from '../../apps/demo/src/state.js';
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
  const browser = await launch({ viewport: { width: 1280, height: 800 } });
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
  // Forget the study shown last (the page reopens it): each test starts from the defaults. (On
  // a bare SVG page Chromium asks for /favicon.ico, at any time: answer it.)
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  await page.goto(`${url}favicon.svg`);
  await page.evaluate(() => localStorage.removeItem('webtune-demo-last'));
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.__webtune?.adapter != null);
  return { page, errors };
}

/** Fills the form field by field (selects and inputs alike). */
async function fill(page: Page, settings: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    const field = page.locator(`#settings [name="${name}"]`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}

/** Fills the form, presses Start and waits until the run is done (or failed). */
async function run(page: Page, settings: Record<string, string>): Promise<RunState> {
  await fill(page, settings);
  await page.locator('#start').click();
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
  await expect(page.locator('#fig-history .data tbody tr')).toHaveCount(4);
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
  await expect(
    page.locator('#fig-history .data tbody tr').filter({ hasText: 'complete' }),
  ).toHaveCount(complete.length);
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
  await page.locator('#start').click();
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
  await expect(page.locator('#start')).toHaveText(
    `Resume stored study (${s.trials.length} trials)`,
  );
  await expect(page.locator('#start')).toBeEnabled();
  expect(errors).toEqual([]);
  await page.close();
});

test('a bad setting is refused before any work starts, beside its field', async () => {
  const { page, errors } = await open();
  await page.locator('#settings [name="trials"]').fill('0');
  await page.locator('#start').click();
  await expect(page.locator('#f-trials-error')).toHaveText(
    'Trials must be a whole number from 1 to 500; “0” is not.',
  );
  const s = await page.evaluate(() => window.__webtune);
  expect(s.state).toBe('idle');
  expect(s.trials).toEqual([]);
  expect(s.study).toBeNull();
  expect(errors).toEqual([]);
  await page.close();
});

const stored = (page: Page, name: string) => page.locator(`#stored li[data-name="${name}"]`);

test('a study survives a reload: Resume fails the trial left running as stale and numbers on; importances rank every parameter', async () => {
  const { page, errors } = await open();
  await fill(page, {
    example: 'seed-grid',
    strategy: 'random',
    tfBackend: 'cpu',
    trials: '7',
    epochs: '6',
    seed: '5',
  });
  await page.locator('#start').click();
  // Reload in the middle of a trial: two complete, the third has reported an epoch (of six, so
  // a slow machine still has several epochs' time to reload before that trial finishes).
  await page.waitForFunction(
    () => {
      const t = window.__webtune.trials;
      return (
        t.filter((x) => x.state === 'complete').length >= 2 &&
        t.some((x) => x.state === 'running' && x.epochs >= 1)
      );
    },
    undefined,
    { timeout: 120_000, polling: 100 },
  );
  const before = await page.evaluate(() => window.__webtune);
  const name = before.study?.name ?? '';
  expect(name).toContain('webtune-demo?example=seed-grid&strategy=random');
  const runningNumber = before.trials.find((t) => t.state === 'running')?.number;
  await page.reload();
  await expect(stored(page, name)).toContainText(
    /of 7 trials stored \(\d+ complete, 1 left running: a resume fails it as stale\)/,
  );
  // The page reopens the study it showed, as stored, with Resume up front.
  await expect(page.locator('#progress-text')).toContainText('Stored');
  await expect(page.locator('#resume')).toBeVisible();
  const listed = await page.evaluate(
    (n) => window.__webtune.stored?.studies.find((x) => x.name === n),
    name,
  );
  expect(listed?.running).toBe(1);
  const storedCount = listed?.trials ?? 0;
  expect(storedCount).toBeGreaterThanOrEqual(3);

  await stored(page, name).getByRole('button', { name: 'Resume' }).click();
  await page.waitForFunction(() => window.__webtune.state === 'running');
  await page.waitForFunction(() => ['done', 'error'].includes(window.__webtune.state), undefined, {
    timeout: 200_000,
    polling: 250,
  });
  const s = await page.evaluate(() => window.__webtune);
  expect(s.error).toBeNull();
  expect(s.stopReason).toBe('trials');
  expect(s.settings).toEqual(before.settings);
  expect(s.study).toEqual({ name, resumed: storedCount, stale: [runningNumber], warnings: [] });
  // One trial per number, 0 … 6: the stored ones first, then new ones numbered on.
  expect(s.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  const stale = s.trials.find((t) => t.number === runningNumber);
  expect(stale?.state).toBe('failed');
  expect(stale?.error).toMatch(/^stale: the trial was running when the study resumed/);
  for (const t of s.trials.filter((x) => x.number !== runningNumber)) {
    expect(t.state, `trial ${t.number}: ${t.error}`).toBe('complete');
  }
  // Trials finished before the reload come back unchanged.
  for (const t of before.trials.filter((x) => x.state === 'complete')) {
    expect(s.trials[t.number]).toEqual(t);
  }
  await expect(page.locator('#study')).toContainText(
    `resumed with ${storedCount} stored trials; trial ${runningNumber} had been running and is now failed (stale)`,
  );
  await expect(page.locator('#trials tbody tr[data-state="failed"]')).toHaveCount(1);

  // Importances: refitted at 5 complete trials and when the study stopped (6 complete).
  await page.waitForFunction(
    () =>
      window.__webtune.importances?.basedOn === 6 &&
      window.__webtune.importances.computing === null,
    undefined,
    { timeout: 60_000 },
  );
  const imp = (await page.evaluate(() => window.__webtune.importances))!;
  expect(imp.error).toBeNull();
  expect(imp.params.map((p) => p.name).sort()).toEqual(['batch', 'hidden', 'lr']);
  expect(imp.params.reduce((sum, p) => sum + p.importance, 0)).toBeCloseTo(1, 6);
  for (const p of imp.params) {
    expect(p.importance).toBeGreaterThanOrEqual(0);
    await expect(
      page.locator('#fig-importance .data tbody tr').filter({ hasText: p.name }),
    ).toHaveCount(1);
  }
  await expect(page.locator('#fig-importance .data tbody tr')).toHaveCount(3);
  await expect(page.locator('#importance-status')).toHaveText('fitted to 6 complete trials');
  console.log(
    `resumed ${storedCount} stored trials (stale: ${runningNumber}); values ${s.trials.map((t) => t.valAccuracy).join(', ')}; importances ${imp.params.map((p) => `${p.name} ${p.importance.toFixed(3)}`).join(', ')}`,
  );
  await page.screenshot({ path: join(SCREENSHOTS, 'demo-e2e-resume.png'), fullPage: true });

  // Resuming a finished study shows it again and trains nothing.
  await page.reload();
  await stored(page, name).getByRole('button', { name: 'Resume' }).click();
  await page.waitForFunction(
    () => window.__webtune.state === 'done' && window.__webtune.importances?.basedOn === 6,
  );
  const again = await page.evaluate(() => window.__webtune);
  expect(again.study).toEqual({ name, resumed: 7, stale: [], warnings: [] });
  expect(again.trials).toEqual(s.trials);
  expect(again.importances?.params).toEqual(imp.params);

  // The form now holds the stored study's settings: its button resumes that study.
  await expect(page.locator('#start')).toHaveText('Resume stored study (7 trials)');
  await stored(page, name).getByRole('button', { name: 'Discard' }).click();
  await page.locator('#confirm-ok').click();
  await expect(stored(page, name)).toHaveCount(0);
  await page.reload();
  await page.waitForFunction(() => window.__webtune.stored !== null);
  await expect(stored(page, name)).toHaveCount(0);
  expect(errors).toEqual([]);
  await page.close();
});

test('stored studies that cannot be resumed say why in the page, and Discard removes them', async () => {
  const { page, errors } = await open();
  const mismatched =
    'webtune-demo?example=seed-grid&strategy=random&gpBackend=auto&tfBackend=cpu&trials=1&epochs=1&pruner=none&seed=9&startupTrials=4';
  const unknown = mismatched.replace('seed-grid', 'mnist');
  // A database laid out as indexedDBStorage does, holding a study that minimises: the demo maximises.
  await page.evaluate(
    ([a, b]) =>
      Promise.all(
        [a, b].map(
          (name) =>
            new Promise<void>((resolve, reject) => {
              const request = indexedDB.open(name as string, 1);
              request.onupgradeneeded = () => {
                request.result.createObjectStore('study');
                request.result.createObjectStore('trials', { keyPath: 'number' });
              };
              request.onerror = () => reject(request.error);
              request.onsuccess = () => {
                const db = request.result;
                const tx = db.transaction('study', 'readwrite');
                tx.objectStore('study').put(
                  {
                    direction: 'minimize',
                    space: { lr: { type: 'categorical', choices: [0.001, 0.01, 0.1, 1] } },
                    strategy: 'random',
                    seed: 9,
                  },
                  'study',
                );
                tx.oncomplete = () => {
                  db.close();
                  resolve();
                };
              };
            }),
        ),
      ),
    [mismatched, unknown],
  );
  await page.reload();
  await expect(stored(page, unknown)).toContainText(
    `study "${unknown}": Example must be one of seed-grid, mlp-continuous; “mnist” is not.`,
  );
  await expect(stored(page, unknown).getByRole('button', { name: 'Resume' })).toHaveCount(0);
  await expect(stored(page, mismatched)).toContainText('0 of 1 trials stored (0 complete)');
  await stored(page, mismatched).getByRole('button', { name: 'Resume' }).click();
  await expect(page.locator('#state')).toHaveText(
    `error: indexedDBStorage: database "${mismatched}" holds a study with direction "minimize", but this study's direction is "maximize"`,
  );
  const s = await page.evaluate(() => window.__webtune);
  expect(s.trials).toEqual([]);
  for (const name of [mismatched, unknown]) {
    await stored(page, name).getByRole('button', { name: 'Discard' }).click();
    await page.locator('#confirm-ok').click();
    await expect(stored(page, name)).toHaveCount(0);
  }
  expect(errors).toEqual([]);
  await page.close();
});
