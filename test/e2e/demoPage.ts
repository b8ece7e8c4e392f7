import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page, test } from '@playwright/test';
import { type PreviewServer, preview } from 'vite';
import type {} from '../../apps/demo/src/state.js';
import { launch } from '../support/chromium.mjs';

/*
 * The built demo (apps/demo/dist) served by `vite preview` on 127.0.0.1 and one Debian Chromium
 * profile per spec file: tabs of one profile share IndexedDB, Web Locks and BroadcastChannel.
 */

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** The demo to test: apps/demo, or another build of it (WEBTUNE_DEMO_DIR, e.g. an older commit's). */
export const DEMO = process.env.WEBTUNE_DEMO_DIR ?? join(ROOT, 'apps/demo');

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

export interface Demo {
  url: string;
  context: BrowserContext;
}

/** Registers the server and browser for the spec file; the returned object is filled in beforeAll. */
export function useDemo(): Demo {
  const demo = {} as Demo;
  let server: PreviewServer | undefined;
  let close: (() => Promise<void>) | undefined;
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
    demo.url = local;
    const browser = await launch({ viewport: VIEWPORTS.desktop });
    demo.context = browser.context;
    close = browser.close;
  });
  test.afterAll(async () => {
    await close?.();
    await server?.close();
  });
  return demo;
}

/** A tab of the demo at `viewport`, collecting console errors (workers' included) and uncaught exceptions. */
export async function openTab(
  demo: Demo,
  viewport: ViewportName,
  query = '',
  options: { forgetLast?: boolean } = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await demo.context.newPage();
  await page.setViewportSize(VIEWPORTS[viewport]);
  // On a bare SVG page Chromium asks for /favicon.ico, at any time: answer it.
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  if (options.forgetLast ?? true) {
    await page.goto(`${demo.url}favicon.svg`);
    await page.evaluate(() => localStorage.removeItem('webtune-demo-last'));
  }
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(`${demo.url}${query}`);
  await page.waitForFunction(
    () => window.__webtune?.adapter != null && window.__webtune.stored !== null,
  );
  return { page, errors };
}

/** Fills the form field by field (selects and inputs alike). */
export async function fill(page: Page, settings: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    const field = page.locator(`#settings [name="${name}"]`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}

export async function waitUntilStopped(page: Page, timeout = 200_000): Promise<void> {
  await page.waitForFunction(() => ['done', 'error'].includes(window.__webtune.state), undefined, {
    timeout,
    polling: 200,
  });
}

export const storedItem = (page: Page, name: string) =>
  page.locator(`#stored li[data-name="${name}"]`);

/** The IndexedDB name of a study with these settings (every setting but `trials`, in order). */
export function studyName(settings: Record<string, string>): string {
  const defaults: Record<string, string> = {
    example: 'seed-grid',
    strategy: 'bayesian',
    gpBackend: 'auto',
    tfBackend: 'auto',
    epochs: '5',
    pruner: 'none',
    seed: '0',
    startupTrials: '4',
  };
  const keys = Object.keys(defaults);
  return `webtune-demo?${new URLSearchParams(keys.map((k) => [k, settings[k] ?? defaults[k]!])).toString()}`;
}
