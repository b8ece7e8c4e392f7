import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launch, serve } from '../../../test/support/chromium.mjs';
import { loadDigitsSync } from './node.js';

const fixture = fileURLToPath(new URL('../browser/', import.meta.url));
const builtEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

// CI installs Chromium and builds first, so there a missing one is a failure, not a skip.
if (process.env.CI && !existsSync(CHROMIUM)) throw new Error(`CI: ${CHROMIUM} is missing`);

describe.skipIf(!existsSync(CHROMIUM) || !existsSync(builtEntry))(
  'in Chromium (the built package bundled by Vite)',
  () => {
    let out: string;
    let server: Server;
    let origin: string;
    let context: import('playwright-core').BrowserContext;
    let closeBrowser: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      out = mkdtempSync(join(tmpdir(), 'harness-browser-'));
      const { build } = await import('vite');
      await build({ root: fixture, logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
      const served = await serve(out);
      server = served.server;
      origin = served.url.replace(/\/$/, '');
      const browser = await launch();
      context = browser.context;
      closeBrowser = browser.close;
    }, 180_000);

    afterAll(async () => {
      await closeBrowser?.();
      server?.close();
      if (out) rmSync(out, { recursive: true, force: true });
    });

    it.each(['webgpu', 'cpu'] as const)(
      'loads the shipped digits and trains on %s without leaks',
      async (backend) => {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${origin}/`);
        await page.waitForFunction(() => (window as { harnessReady?: boolean }).harnessReady);
        const r = await page.evaluate(
          (b) =>
            (
              window as unknown as { runHarness: (b: string) => Promise<Record<string, unknown>> }
            ).runHarness(b),
          backend,
        );
        const node = loadDigitsSync();
        expect(r).toMatchObject({
          used: backend,
          size: node.size,
          firstLabels: Array.from(node.labels.slice(0, 5)),
          leaked: 0,
          hasDevice: backend === 'webgpu',
        });
        expect(r.valAccuracy as number).toBeGreaterThan(0.5);
        expect(errors).toEqual([]);
        await page.close();
      },
      180_000,
    );

    it("'auto' passes over a fallback (software) WebGPU adapter, as the GP's 'auto' does", async () => {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => (window as { harnessReady?: boolean }).harnessReady);
      const r = await page.evaluate(() =>
        (
          window as unknown as {
            chooseAuto: () => Promise<{
              fallback: boolean | null;
              backend: string;
              skipped: string[];
            }>;
          }
        ).chooseAuto(),
      );
      console.log(`auto → ${r.backend}; skipped: ${r.skipped.join('; ')}`);
      if (r.fallback) {
        expect(r.skipped[0]).toMatch(/^webgpu: the WebGPU adapter is a fallback \(software\) one/);
        expect(r.backend).not.toBe('webgpu');
      }
      if (r.backend === 'cpu')
        expect(r.skipped.map((s) => s.split(':')[0])).toEqual(['webgpu', 'webgl']);
      await page.close();
    }, 60_000);
  },
);
