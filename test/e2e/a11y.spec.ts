import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { openTab, useDemo, VIEWPORTS, type ViewportName, waitUntilStopped } from './demoPage.js';

/* axe-core on the demo, idle and after a run: no serious or critical violation. */

const demo = useDemo();

async function scan(page: Page, when: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of violations) {
    console.log(
      `${when}: ${v.impact} ${v.id} (${v.nodes.length}): ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join('; ')}`,
    );
  }
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
  test(`${viewport}: axe finds no serious or critical violation, idle and after a run`, async () => {
    const { page, errors } = await openTab(
      demo,
      viewport,
      '?example=mlp-continuous&strategy=random&tfBackend=cpu&trials=4&epochs=2&seed=55',
    );
    await scan(page, `${viewport} idle`);
    await page.locator('#start').click();
    await waitUntilStopped(page);
    await page.waitForFunction(() => window.__webtune.importances?.computing === null);
    await scan(page, `${viewport} after a run`);
    expect(errors).toEqual([]);
    await page.close();
  });
}
