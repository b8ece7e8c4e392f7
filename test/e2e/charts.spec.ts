import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import {
  fill,
  openTab,
  ROOT,
  useDemo,
  VIEWPORTS,
  type ViewportName,
  waitUntilStopped,
} from './demoPage.js';

/*
 * What an Optuna Dashboard user expects: learning curves, history by state with a log scale,
 * parallel coordinates, slices, a GP contour, importances — each a keyboard stop with a table
 * alternative — a trials table that sorts, filters, hides columns, exports and opens a trial in
 * full, and studies run elsewhere opened by dropping their file on the page.
 */

const demo = useDemo();

for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
  test(`${viewport}: charts and the trials table of a pruned random search`, async () => {
    const { page, errors } = await openTab(demo, viewport);
    // As demo.spec's median-pruner test: seed 0 prunes some of trials 5 … 9 (deterministic on
    // cpu); the phone run takes 4 epochs, so it is a study of its own.
    const epochs = viewport === 'phone' ? 4 : 3;
    await fill(page, {
      example: 'seed-grid',
      strategy: 'random',
      pruner: 'median',
      tfBackend: 'cpu',
      trials: '10',
      epochs: String(epochs),
      seed: '0',
    });
    await page.locator('#start').click();
    // While a trial runs, its row and the progress panel (above the form) say which epoch.
    // Columns: #, lr, batch, hidden, val acc, test acc, state, epochs …
    await expect(page.locator('#trials tbody tr[data-state="running"] td').nth(7)).toHaveText(
      new RegExp(`^[0-${epochs}]/${epochs}$`),
      { timeout: 60_000 },
    );
    await expect(page.locator('#progress-text')).toContainText(
      new RegExp(`trial \\d+: epoch [0-${epochs}]/${epochs}`),
    );
    await waitUntilStopped(page);
    await page.waitForFunction(() => window.__webtune.importances?.computing === null);
    const s = await page.evaluate(() => window.__webtune);
    const pruned = s.trials.filter((t) => t.state === 'pruned');
    const complete = s.trials.filter((t) => t.state === 'complete');
    expect(s.trials).toHaveLength(10);
    expect(pruned.length).toBeGreaterThan(0);

    // History: every trial in its table, by state; the log scale is an option.
    const history = page.locator('#fig-history');
    await expect(history.locator('.data tbody tr')).toHaveCount(10);
    await expect(history.locator('.data tbody tr').filter({ hasText: 'pruned' })).toHaveCount(
      pruned.length,
    );
    await page.locator('#history-log').check();
    await expect(history.locator('svg[aria-description*="(log scale)"]')).toHaveCount(1);
    // Learning curves: pruned trials stop before the last epoch.
    const curves = page.locator('#fig-curves .data tbody tr');
    await expect(curves).toHaveCount(10);
    for (const t of pruned) {
      await expect(
        curves
          .nth(t.number)
          .locator('td')
          .nth(1 + epochs),
      ).toHaveText('—');
    }
    await expect(page.locator('#fig-importance .data tbody tr')).toHaveCount(3);
    await expect(page.locator('#fig-parallel .data tbody tr')).toHaveCount(complete.length);
    await expect(page.locator('#fig-slices .slices svg')).toHaveCount(3);
    // Contour of lr × hidden: the GP mean on the 4 × 4 grid of their choices.
    await page.locator('#contour-x').selectOption('lr');
    await page.locator('#contour-y').selectOption('hidden');
    await expect(page.locator('#fig-contour .data tbody tr')).toHaveCount(16, { timeout: 30_000 });
    await expect(page.locator('#contour-status')).toHaveText(
      `GP fitted to ${complete.length} complete trials.`,
    );
    // Every chart is a keyboard stop named by its title.
    for (const id of ['history', 'curves', 'importance', 'parallel', 'slices', 'contour']) {
      const plot = page.locator(`#fig-${id} .plot`);
      await expect(plot).toHaveAttribute('tabindex', '0');
      await plot.focus();
      await expect(plot).toBeFocused();
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      VIEWPORTS[viewport].width,
    );

    // The table: sort by validation accuracy, best first.
    const valHeader = page.locator('#trials thead th').filter({ hasText: 'val acc' });
    await valHeader.getByRole('button').click();
    await valHeader.getByRole('button').click();
    await expect(valHeader).toHaveAttribute('aria-sort', 'descending');
    const best = [...complete, ...pruned].sort(
      (a, b) => (b.valAccuracy ?? 0) - (a.valAccuracy ?? 0) || a.number - b.number,
    )[0];
    await expect(page.locator('#trials tbody tr').first().locator('td').first()).toHaveText(
      String(best?.number),
    );
    // Filter out pruned trials; hide a column.
    await page.locator('#state-filter').getByLabel('pruned').uncheck();
    await expect(page.locator('#trials tbody tr[data-state="pruned"]')).toHaveCount(0);
    await expect(page.locator('#table-count')).toHaveText(
      `${10 - pruned.length} of 10 trials shown`,
    );
    await page.locator('#column-chooser summary').click();
    await page.locator('#column-list').getByLabel('TF.js').uncheck();
    await expect(page.locator('#trials thead th')).not.toContainText(['TF.js']);
    // Export what is shown, as CSV.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#export-csv').click(),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe(
      'number,lr,batch,hidden,state,valAccuracy,testAccuracy,epochs,durationMs,tfBackend,error',
    );
    expect(csv).toHaveLength(1 + 10 - pruned.length);
    // A trial in full.
    await page.locator('#state-filter').getByLabel('pruned').check();
    const first = pruned[0]!;
    await page.getByRole('button', { name: `Trial ${first.number} details` }).click();
    const detail = page.locator('#trial-detail');
    await expect(detail).toBeVisible();
    await expect(detail.locator('h2')).toHaveText(`Trial ${first.number} — pruned`);
    await expect(detail).toContainText(`${first.epochs} of ${epochs}`);
    await detail.getByRole('button', { name: 'Close' }).click();
    await expect(detail).toBeHidden();
    await page.screenshot({ path: `test-results/demo-charts-${viewport}.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
}

test('a study run elsewhere opens by dropping its JSON or choosing its journal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webtune-drop-'));
  const out = join(dir, 'branin.json');
  const journal = join(dir, 'branin.jsonl');
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'packages/cli/dist/cli.js'),
      'run',
      'examples/branin.mjs',
      '--strategy',
      'random',
      '--trials',
      '8',
      '--out',
      out,
      '--storage',
      journal,
      '--quiet',
      '--no-importance',
    ],
    { cwd: ROOT },
  );
  const study = JSON.parse(readFileSync(out, 'utf8')) as {
    trials: { number: number; value: number | null }[];
    best: { number: number; value: number };
  };
  const { page, errors } = await openTab(demo, 'desktop');
  const text = readFileSync(out, 'utf8');
  const transfer = await page.evaluateHandle((t) => {
    const data = new DataTransfer();
    data.items.add(new File([t], 'branin.json', { type: 'application/json' }));
    return data;
  }, text);
  await page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
  await expect(page.locator('#progress-text')).toContainText(
    'Opened from the file “branin.json” (read-only) — 8 trials',
  );
  await expect(page.locator('#trials tbody tr')).toHaveCount(8);
  await expect(page.locator('#trials thead th').filter({ hasText: 'value' })).toHaveCount(1);
  const s = await page.evaluate(() => window.__webtune);
  // Branin is minimised: the best is the lowest value.
  expect(s.best?.number).toBe(study.best.number);
  expect(s.best?.value).toBeCloseTo(study.best.value, 12);
  await expect(page.locator('#fig-history .data tbody tr')).toHaveCount(8);
  await expect(page.locator('#resume')).toBeHidden();
  // The journal, through the file chooser, holds the same trials.
  await page.locator('#study-file').setInputFiles(journal);
  await expect(page.locator('#progress-text')).toContainText('“branin.jsonl”');
  const j = await page.evaluate(() => window.__webtune);
  expect(j.trials.map((t) => [t.number, t.valAccuracy])).toEqual(
    study.trials.map((t) => [t.number, t.value]),
  );
  // Not a study: said in words.
  await page.locator('#study-file').setInputFiles({
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('hello'),
  });
  await expect(page.locator('#file-error')).toContainText(
    '“notes.txt” is neither a study JSON (webtune run --out) nor a study journal',
  );
  expect(errors).toEqual([]);
  await page.close();
});
