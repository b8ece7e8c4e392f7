import { expect, test } from '@playwright/test';
import { openTab, useDemo, VIEWPORTS, type ViewportName } from './demoPage.js';

/*
 * The page is usable (form ready, stored studies listed) on a little JavaScript; TF.js, the GP
 * and the charts load later. Budget set from the build measured in apps/demo/README.md: 43 kB
 * (15 kB gzip) of initial JavaScript, one file, against 1.59 MB before (the study worker, loaded at
 * page load); 64 kB leaves room for the page to grow, not for TF.js to come back.
 */
const INITIAL_JS_BUDGET = 64 * 1024;

const demo = useDemo();

for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
  test(`${viewport}: the page is usable before any of TF.js loads, on at most ${INITIAL_JS_BUDGET / 1024} kB of JavaScript`, async () => {
    const page = await demo.context.newPage();
    await page.setViewportSize(VIEWPORTS[viewport]);
    const loaded: { file: string; bytes: number }[] = [];
    page.on('response', async (r) => {
      if (!r.url().endsWith('.js')) return;
      loaded.push({ file: r.url().split('/').pop() ?? '', bytes: (await r.body()).length });
    });
    await page.goto(demo.url);
    await page.waitForFunction(
      () => performance.getEntriesByName('webtune:interactive').length > 0,
    );
    const atInteractive = loaded.map((l) => l.file);
    const bytes = loaded.reduce((s, l) => s + l.bytes, 0);
    console.log(
      `${viewport}: ${atInteractive.join(', ')}: ${bytes} bytes of JavaScript at interactive`,
    );
    await expect(page.locator('#stored')).not.toContainText('reading…');
    await expect(page.locator('#start')).toBeEnabled();
    expect(atInteractive.some((f) => f.startsWith('worker-'))).toBe(false);
    expect(bytes).toBeLessThanOrEqual(INITIAL_JS_BUDGET);
    // And the study worker (TF.js) loads when a study starts.
    const { page: tab } = await openTab(
      demo,
      viewport,
      '?strategy=random&tfBackend=cpu&trials=1&epochs=1&seed=77',
    );
    const requested: string[] = [];
    tab.on('request', (r) => requested.push(r.url().split('/').pop() ?? ''));
    await tab.locator('#start').click();
    await tab.waitForFunction(() => window.__webtune.state === 'done');
    expect(requested.some((f) => f.startsWith('worker-'))).toBe(true);
    await tab.close();
    await page.close();
  });
}
