import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, test } from '@playwright/test';
import { build } from 'vite';
import { launch, serve } from '../support/chromium.mjs';

/*
 * The browser tests' page: bundled with vite, then served and opened with the shared Chromium
 * launch in ../support/chromium.mjs.
 */

export { CHROMIUM, CHROMIUM_ARGS, launch, serve } from '../support/chromium.mjs';

/** Builds `root/index.html` and its imports into a temporary folder. */
export async function bundle(root: string): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'webtune-page-'));
  await build({
    root,
    logLevel: 'warn',
    configFile: false,
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, sourcemap: true },
  });
  return outDir;
}

/** A bundled page, served and open in the shared headless Chromium, with `globalThis.webtune` set. */
export interface OpenPage {
  page: Page;
  /** Closes the browser and the server and removes the bundle. */
  close(): Promise<void>;
}

/**
 * Bundles `root`, serves it, opens it in a fresh headless Chromium (page errors are echoed to
 * the test's stderr) and waits for the page to define `globalThis.webtune`.
 */
export async function openPage(root: string): Promise<OpenPage> {
  const outDir = await bundle(root);
  const { server, url } = await serve(outDir);
  const browser = await launch();
  const page = await browser.context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[page] ${msg.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => 'webtune' in globalThis);
  return {
    page,
    async close() {
      await browser.close();
      server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

/**
 * One page for a whole spec file: runs its tests in order (serial), opens `root` with
 * {@link openPage} before them and closes it after them (`beforeClose` first, e.g. to free the
 * page's GPU resources). Returns the page's getter, valid inside tests.
 */
export function usePage(
  root: string,
  options: { beforeClose?: (page: Page) => Promise<unknown> } = {},
): () => Page {
  let opened: OpenPage | undefined;
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    opened = await openPage(root);
  });
  test.afterAll(async () => {
    if (opened) await options.beforeClose?.(opened.page);
    await opened?.close();
  });
  return () => {
    if (!opened) throw new Error(`usePage: ${root} is not open (only inside tests)`);
    return opened.page;
  };
}
