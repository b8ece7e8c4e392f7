// Measures the built demo (apps/demo/dist): the size of every asset (raw and gzip -9), the
// JavaScript the page loads before it is usable, and time-to-interactive (navigation start to
// the 'webtune:interactive' mark: form ready and stored studies listed) in Debian's headless
// Chromium; then the time per trial of a short run with TF.js 'auto' and with 'webgpu'.
// Usage: node apps/demo/scripts/measure.mjs [--runs 5] [--no-trials]   (after `npm run build`)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { preview } from 'vite';
import { launch } from '../../../test/support/chromium.mjs';

const DEMO = new URL('..', import.meta.url).pathname;
const DIST = join(DEMO, 'dist');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;

const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const assets = readdirSync(join(DIST, 'assets'))
  .map((name) => {
    const file = join(DIST, 'assets', name);
    return { name, bytes: statSync(file).size, gzip: gz(file) };
  })
  .sort((a, b) => b.bytes - a.bytes);
const maps = assets.filter((a) => a.name.endsWith('.map'));

const server = await preview({
  root: DEMO,
  logLevel: 'warn',
  preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
});
const url = server.resolvedUrls.local[0];
const browser = await launch({ viewport: { width: 1280, height: 800 } });
const tti = [];
let initial = [];
for (let i = 0; i < runs; i++) {
  const page = await browser.context.newPage();
  const js = new Set();
  page.on('request', (r) => {
    if (r.url().endsWith('.js')) js.add(r.url().split('/').pop());
  });
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName('webtune:interactive').length > 0);
  tti.push(
    await page.evaluate(() => performance.getEntriesByName('webtune:interactive')[0].startTime),
  );
  initial = [...js];
  await page.close();
}
const initialAssets = assets.filter((a) => initial.includes(a.name));
const sum = (list, key) => list.reduce((s, a) => s + a[key], 0);

const trials = [];
if (!args.includes('--no-trials')) {
  for (const [tfBackend, seed] of [
    ['auto', 901],
    ['webgpu', 902],
  ]) {
    const page = await browser.context.newPage();
    await page.goto(`${url}?strategy=random&tfBackend=${tfBackend}&trials=3&epochs=5&seed=${seed}`);
    await page.waitForFunction(() => window.__webtune?.stored != null);
    await page.locator('#start').click();
    await page.waitForFunction(
      () => ['done', 'error'].includes(window.__webtune.state),
      undefined,
      {
        timeout: 600_000,
        polling: 250,
      },
    );
    const s = await page.evaluate(() => window.__webtune);
    trials.push({
      asked: tfBackend,
      used: s.tfBackend,
      adapter: `${s.adapter?.vendor} ${s.adapter?.architecture}${s.adapter?.isFallbackAdapter ? ' (fallback)' : ''}`,
      trialSeconds: s.trials.map((t) => Number(((t.durationMs ?? 0) / 1000).toFixed(2))),
      announcements: s.announced.length,
      error: s.error,
    });
    await page.close();
  }
}
await browser.close();
await server.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
const result = {
  assets,
  sourceMaps: maps.length,
  initialJs: {
    files: initial,
    bytes: sum(initialAssets, 'bytes'),
    gzip: sum(initialAssets, 'gzip'),
  },
  timeToInteractiveMs: {
    median: Number(median(tti).toFixed(0)),
    runs: tti.map((t) => Number(t.toFixed(0))),
  },
  trials,
};
console.log(JSON.stringify(result, null, 2));
console.log('\n| asset | size | gzip |\n| --- | ---: | ---: |');
for (const a of assets)
  console.log(`| ${a.name.replace(/-[\w-]{8}\./, '.')} | ${kb(a.bytes)} | ${kb(a.gzip)} |`);
console.log(
  `\nInitial JavaScript: ${initial.length} files, ${kb(result.initialJs.bytes)} (${kb(result.initialJs.gzip)} gzip). Time to interactive: median ${result.timeToInteractiveMs.median} ms of ${runs} loads.`,
);
for (const t of trials) {
  console.log(
    `TF.js ${t.asked} → ${t.used} on ${t.adapter}: ${t.trialSeconds.join(', ')} s per trial; ${t.announcements} announcements`,
  );
}
