import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import type { CaseResult } from '../../packages/gp/src/webgpu/conformance.js';
import { conformanceCases } from '../../packages/gp/src/webgpu/conformance.js';
import { bundle, launch, serve } from './harness.js';

/*
 * The GP conformance suite (packages/gp/src/webgpu/conformance.ts) in headless Chromium: every
 * case on navigator.gpu (SwiftShader here, a real GPU elsewhere) and on the CPU reference,
 * compared inside the page with the suite's stated tolerances.
 */

const here = dirname(fileURLToPath(import.meta.url));

test.describe.configure({ mode: 'serial' });

let page: Page;
let server: Server;
let outDir: string;
let close: () => Promise<void>;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  outDir = await bundle(join(here, 'gp-page'));
  const served = await serve(outDir);
  server = served.server;
  const browser = await launch();
  close = browser.close;
  page = await browser.context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[page] ${msg.text()}`);
  });
  await page.goto(served.url);
  await page.waitForFunction(() => 'webtune' in globalThis);
});

test.afterAll(async () => {
  await page?.evaluate(() =>
    (globalThis as unknown as { webtune: { destroy(): void } }).webtune.destroy(),
  );
  await close?.();
  server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

function runCase(name: string, backend: 'cpu' | 'webgpu'): Promise<CaseResult> {
  return page.evaluate(
    ([n, b]) =>
      (
        globalThis as unknown as {
          webtune: { runCase(n: string, b: string): Promise<CaseResult> };
        }
      ).webtune.runCase(n, b),
    [name, backend] as const,
  );
}

test('navigator.gpu gives an adapter', async () => {
  const info = await page.evaluate(() =>
    (
      globalThis as unknown as { webtune: { adapter(): Promise<Record<string, unknown>> } }
    ).webtune.adapter(),
  );
  console.log(`adapter: ${JSON.stringify(info)}`);
  expect(typeof info.architecture).toBe('string');
});

for (const c of conformanceCases()) {
  for (const backend of ['webgpu', 'cpu'] as const) {
    test(`${backend}: ${c.name}`, async () => {
      test.setTimeout(120_000);
      const result = await runCase(c.name, backend);
      expect(result.failures).toEqual([]);
    });
  }
}

test("shares TF.js's WebGPU device: the GP scores on it and TF.js keeps working after destroy()", async () => {
  test.setTimeout(120_000);
  const result = await page.evaluate(() =>
    (
      globalThis as unknown as {
        webtune: {
          sharedWithTfjs(): Promise<CaseResult & { sameDevice: boolean; tfjsSum: number }>;
        };
      }
    ).webtune.sharedWithTfjs(),
  );
  expect(result.failures).toEqual([]);
  expect(result.sameDevice).toBe(true);
  expect(result.tfjsSum).toBe(14);
});
