import { expect, type Page, test } from '@playwright/test';
import {
  fill,
  openTab,
  storedItem,
  studyName,
  useDemo,
  VIEWPORTS,
  type ViewportName,
  waitUntilStopped,
} from './demoPage.js';

/*
 * Issue 13: the demo as a page people keep open — two tabs on one study, a phone, bad addresses,
 * TF.js's 'auto' backend on a software adapter, reopening after a reload, form errors. Each at
 * 1280×800 and at 390×844, in Debian's Chromium, training for real on the shipped digits.
 */

const demo = useDemo();
const sizes = Object.keys(VIEWPORTS) as ViewportName[];
/** A seed per viewport, so the same test at the other size makes another study. */
const seedOf = (viewport: ViewportName, base: number) =>
  String(base + (viewport === 'phone' ? 1000 : 0));

/** The page's widest box against the viewport: nothing may scroll the page sideways. */
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

for (const viewport of sizes) {
  const width = VIEWPORTS[viewport].width;

  test(`${viewport}: two tabs on one study — the owner runs it, the other shows it running elsewhere and stays current; Discard asks first`, async () => {
    const settings = {
      example: 'seed-grid',
      strategy: 'random',
      tfBackend: 'cpu',
      epochs: '3',
      seed: seedOf(viewport, 11),
    };
    const name = studyName(settings);
    const a = await openTab(demo, viewport);
    const b = await openTab(demo, viewport);
    await fill(a.page, { ...settings, trials: '6' });
    await a.page.locator('#start').click();
    // Tab B hears of it without a reload, shows it running elsewhere and offers neither action.
    const inB = storedItem(b.page, name);
    await expect(inB).toContainText('running in another tab', { timeout: 30_000 });
    await expect(inB.getByRole('button', { name: 'Resume' })).toBeDisabled();
    await expect(inB.getByRole('button', { name: 'Discard' })).toBeDisabled();
    // Its trial count follows tab A's trials.
    await expect(inB).toContainText(/[2-6] of 6 trials stored/, { timeout: 60_000 });
    // Starting the same study in B is refused: A owns it.
    await fill(b.page, { ...settings, trials: '8' });
    await b.page.locator('#start').click();
    await expect(b.page.locator('#progress-text')).toContainText(
      'This study is running in another tab',
    );
    await waitUntilStopped(a.page);
    const s = await a.page.evaluate(() => window.__webtune);
    expect(s.error).toBeNull();
    expect(s.stopReason).toBe('trials');
    expect(s.trials.map((t) => [t.number, t.state])).toEqual(
      [0, 1, 2, 3, 4, 5].map((n) => [n, 'complete']),
    );
    // A finished: B may act on the study now, and its list says 6 of 6 without a reload.
    await expect(inB).not.toContainText('running in another tab', { timeout: 10_000 });
    await expect(inB).toContainText('6 of 6 trials stored (6 complete)');
    await expect(inB.getByRole('button', { name: 'Discard' })).toBeEnabled();
    // Discard asks first; Cancel keeps the study.
    await inB.getByRole('button', { name: 'Discard' }).click();
    await expect(b.page.locator('#confirm')).toBeVisible();
    await expect(b.page.locator('#confirm-text')).toContainText('6 stored trials for good?');
    await b.page.getByRole('button', { name: 'Cancel' }).click();
    await expect(b.page.locator('#confirm')).toBeHidden();
    await expect(inB).toHaveCount(1);
    await inB.getByRole('button', { name: 'Discard' }).click();
    await b.page.locator('#confirm-ok').click();
    await expect(inB).toHaveCount(0);
    // Tab A's list drops it too, without a reload.
    await expect(storedItem(a.page, name)).toHaveCount(0);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await a.page.close();
    await b.page.close();
  });

  test(`${viewport}: a closed owner tab frees its study for the other tabs`, async () => {
    const settings = {
      strategy: 'random',
      tfBackend: 'cpu',
      epochs: '4',
      seed: seedOf(viewport, 12),
    };
    const name = studyName(settings);
    const a = await openTab(demo, viewport);
    const b = await openTab(demo, viewport);
    await fill(a.page, { ...settings, trials: '50' });
    await a.page.locator('#start').click();
    await a.page.waitForFunction(() => window.__webtune.trials.length >= 1);
    const inB = storedItem(b.page, name);
    await expect(inB).toContainText('running in another tab', { timeout: 30_000 });
    await a.page.close();
    await expect(inB).toContainText('left running: a resume fails it as stale', {
      timeout: 10_000,
    });
    await expect(inB.getByRole('button', { name: 'Resume' })).toBeEnabled();
    await inB.getByRole('button', { name: 'Discard' }).click();
    await b.page.locator('#confirm-ok').click();
    await expect(inB).toHaveCount(0);
    expect(b.errors).toEqual([]);
    await b.page.close();
  });

  test(`${viewport}: nothing scrolls the page sideways; the table scrolls in its own box; chart text stays readable`, async () => {
    const { page, errors } = await openTab(demo, viewport);
    expect(await pageWidth(page)).toBeLessThanOrEqual(width);
    await fill(page, {
      example: 'mlp-continuous',
      strategy: 'random',
      tfBackend: 'cpu',
      trials: '3',
      epochs: '2',
      seed: seedOf(viewport, 13),
    });
    await page.locator('#start').click();
    await waitUntilStopped(page);
    await page.waitForFunction(() => window.__webtune.importances?.computing === null);
    expect(await pageWidth(page)).toBeLessThanOrEqual(width);
    const box = page.locator('.table-scroll');
    const [inner, outer] = await box.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    expect(outer).toBeLessThanOrEqual(width);
    if (viewport === 'phone') expect(inner).toBeGreaterThan(outer);
    // Chart text as shown on screen: its font size times the SVG's scale.
    const smallest = await page.evaluate(() =>
      Math.min(
        ...Array.from(document.querySelectorAll<SVGTextElement>('main svg text'))
          .filter((t) => t.getBoundingClientRect().width > 0)
          .map((t) => {
            const svg = t.ownerSVGElement as SVGSVGElement;
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return Number.parseFloat(getComputedStyle(t).fontSize) * (scale || 1);
          }),
      ),
    );
    expect(smallest).toBeGreaterThanOrEqual(11);
    await page.screenshot({
      path: `test-results/demo-${viewport}.png`,
      fullPage: true,
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  test(`${viewport}: bad settings in the address fall back to the defaults, with a note`, async () => {
    const { page, errors } = await openTab(
      demo,
      viewport,
      '?example=nope&strategy=random&trials=zero&tfBackend=cpu&colour=red',
    );
    const note = page.locator('#url-notes');
    await expect(note).toBeVisible();
    await expect(note).toContainText(
      'Example must be one of seed-grid, mlp-continuous; “nope” is not. Using the default, seed-grid.',
    );
    await expect(note).toContainText(
      'Trials must be a whole number from 1 to 500; “zero” is not. Using the default, 12.',
    );
    await expect(note).toContainText('“colour” in the address is not a setting; ignored.');
    await expect(page.locator('#f-example')).toHaveValue('seed-grid');
    await expect(page.locator('#f-strategy')).toHaveValue('random');
    await expect(page.locator('#f-trials')).toHaveValue('12');
    await expect(page.locator('#adapter')).not.toHaveText('probing…');
    // And Start works.
    await fill(page, { trials: '1', epochs: '1', seed: seedOf(viewport, 14) });
    await page.locator('#start').click();
    await waitUntilStopped(page);
    const s = await page.evaluate(() => window.__webtune);
    expect(s.error).toBeNull();
    expect(s.trials.map((t) => t.state)).toEqual(['complete']);
    expect(errors).toEqual([]);
    await page.close();
  });

  test(`${viewport}: a bad field is flagged beside itself, in the form's words, and focused`, async () => {
    const { page, errors } = await openTab(demo, viewport);
    await fill(page, { trials: '0', epochs: '1.5' });
    await page.locator('#start').click();
    const trials = page.locator('#f-trials');
    await expect(trials).toHaveAttribute('aria-invalid', 'true');
    await expect(trials).toBeFocused();
    await expect(page.locator('#f-trials-error')).toHaveText(
      'Trials must be a whole number from 1 to 500; “0” is not.',
    );
    await expect(trials).toHaveAttribute('aria-describedby', 'f-trials-error');
    await expect(page.locator('#f-epochs')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#f-epochs-error')).toHaveText(
      'Epochs must be a whole number from 1 to 100; “1.5” is not.',
    );
    expect(await page.locator('.field-error').allTextContents()).not.toContain('startupTrials');
    expect(await page.evaluate(() => window.__webtune.state)).toBe('idle');
    // Fixing a field clears its flag.
    await trials.fill('3');
    await expect(trials).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#f-trials-error')).toHaveCount(0);
    expect(await pageWidth(page)).toBeLessThanOrEqual(width);
    expect(errors).toEqual([]);
    await page.close();
  });

  test(`${viewport}: a reload reopens the last study as it was, Resume up front; a finished study takes more trials`, async () => {
    const settings = {
      strategy: 'random',
      tfBackend: 'cpu',
      epochs: '1',
      seed: seedOf(viewport, 15),
    };
    const { page, errors } = await openTab(demo, viewport);
    await fill(page, { ...settings, trials: '4' });
    await page.locator('#start').click();
    await page.waitForFunction(() => window.__webtune.trials.some((t) => t.state === 'complete'));
    await page.getByRole('button', { name: 'Stop' }).click();
    await waitUntilStopped(page);
    const before = await page.evaluate(() => window.__webtune);
    expect(before.stopReason).toBe('aborted');
    const stored = before.trials.length;
    expect(stored).toBeLessThan(4);
    await page.reload();
    await page.waitForFunction(() => window.__webtune.state === 'opened');
    const reopened = await page.evaluate(() => window.__webtune);
    expect(reopened.settings).toEqual(before.settings);
    expect(reopened.trials.map((t) => [t.number, t.state, t.valAccuracy])).toEqual(
      before.trials.map((t) => [t.number, t.state, t.valAccuracy]),
    );
    await expect(page.locator('#f-seed')).toHaveValue(settings.seed);
    await expect(page.locator('#trials tbody tr')).toHaveCount(stored);
    const resume = page.locator('#resume');
    await expect(resume).toBeVisible();
    await expect(resume).toHaveText(
      `Resume: ${4 - stored} more trial${4 - stored === 1 ? '' : 's'} to reach 4`,
    );
    // Resume sits in the top panel, above the form.
    const [resumeTop, formTop] = await Promise.all([
      resume.evaluate((el) => el.getBoundingClientRect().top),
      page.locator('#settings').evaluate((el) => el.getBoundingClientRect().top),
    ]);
    expect(resumeTop).toBeLessThan(formTop);
    await resume.click();
    await waitUntilStopped(page);
    let s = await page.evaluate(() => window.__webtune);
    expect(s.error).toBeNull();
    expect(s.trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    // Finished: add two more trials to the same study.
    await expect(page.locator('#extend-group')).toBeVisible();
    await page.locator('#extend-by').fill('2');
    await page.getByRole('button', { name: 'Run more trials' }).click();
    await page.waitForFunction(() => window.__webtune.state === 'running');
    await waitUntilStopped(page);
    s = await page.evaluate(() => window.__webtune);
    expect(s.error).toBeNull();
    expect(s.settings?.trials).toBe(6);
    expect(s.study?.resumed).toBe(4);
    expect(s.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
    await expect(storedItem(page, s.study?.name ?? '')).toContainText('6 of 6 trials stored');
    expect(errors).toEqual([]);
    await page.close();
  });

  test(`${viewport}: TF.js 'auto' passes over the software WebGPU adapter; the live region speaks on state changes only`, async () => {
    const { page, errors } = await openTab(demo, viewport);
    await fill(page, {
      strategy: 'random',
      tfBackend: 'auto',
      trials: '2',
      epochs: '3',
      seed: seedOf(viewport, 16),
    });
    await page.locator('#start').click();
    await waitUntilStopped(page);
    const s = await page.evaluate(() => window.__webtune);
    expect(s.error).toBeNull();
    if (s.adapter?.isFallbackAdapter) {
      expect(s.tfBackend).not.toBe('webgpu');
      expect(s.tfSkipped[0]).toMatch(/^webgpu: the WebGPU adapter is a fallback \(software\) one/);
      await expect(page.locator('#tf')).toContainText('passed over webgpu');
    }
    console.log(
      `${viewport}: auto → ${s.tfBackend}; per trial ${s.trials.map((t) => `${((t.durationMs ?? 0) / 1000).toFixed(2)} s`).join(', ')}; announced ${s.announced.length}: ${s.announced.join(' | ')}`,
    );
    // Started and done: two announcements for a 2-trial, 3-epoch run, none per epoch.
    expect(s.announced).toHaveLength(2);
    expect(s.announced[0]).toMatch(/^Study started/);
    expect(s.announced[1]).toMatch(/^Study done: 2 trials, best/);
    await expect(page.locator('#announce')).toHaveText(s.announced[1] ?? '');
    expect(errors).toEqual([]);
    await page.close();
  });

  test(`${viewport}: on WebGPU the page says it is compiling shaders, and Stop ends the run within a second`, async () => {
    const { page, errors } = await openTab(demo, viewport);
    const settings = {
      strategy: 'random',
      tfBackend: 'webgpu',
      epochs: '5',
      seed: seedOf(viewport, 17),
    };
    await fill(page, { ...settings, trials: '3' });
    await page.locator('#start').click();
    await expect(page.locator('#phase')).toContainText(
      'warming up: compiling webgpu shaders during the first epoch',
      { timeout: 60_000 },
    );
    // Timed in the page, from the click to the panel saying Stopped (not Playwright's own latency).
    await page.evaluate(() => {
      const w = window as unknown as { stopClicked?: number; stopShown?: number };
      document.querySelector('#stop')?.addEventListener('click', () => {
        w.stopClicked = performance.now();
      });
      new MutationObserver(() => {
        if (document.querySelector('#progress-text')?.textContent?.startsWith('Stopped')) {
          w.stopShown ??= performance.now();
        }
      }).observe(document.querySelector('#progress-text') as Node, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.locator('#progress-text')).toContainText('Stopped', { timeout: 5000 });
    const ms = await page.evaluate(() => {
      const w = window as unknown as { stopClicked: number; stopShown: number };
      return w.stopShown - w.stopClicked;
    });
    console.log(`${viewport}: Stop acted after ${ms.toFixed(0)} ms (webgpu on SwiftShader)`);
    expect(ms).toBeLessThan(1000);
    const s = await page.evaluate(() => window.__webtune);
    expect(s.stopReason).toBe('aborted');
    expect(s.trials.every((t) => t.state !== 'running')).toBe(true);
    expect(s.trials.at(-1)?.error).toBe('stopped by the user');
    // The study is stored as stopped: nothing left running.
    await expect(storedItem(page, studyName(settings))).toContainText(
      `${s.trials.length} of 3 trials stored (${s.trials.length - 1} complete)`,
    );
    await expect(storedItem(page, studyName(settings))).not.toContainText('left running');
    await expect(page.locator('#resume')).toBeVisible();
    expect(s.announced.at(-1)).toMatch(/^Study stopped/);
    expect(errors).toEqual([]);
    await page.close();
  });
}
