import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import type { CaseResult } from '../../packages/gp/src/webgpu/conformance.js';
import { conformanceCases } from '../../packages/gp/src/webgpu/conformance.js';
import { usePage } from './harness.js';

/*
 * The GP conformance suite (packages/gp/src/webgpu/conformance.ts) in headless Chromium: every
 * case on navigator.gpu (SwiftShader here, a real GPU elsewhere) and on the CPU reference,
 * compared inside the page with the suite's stated tolerances.
 */

const here = dirname(fileURLToPath(import.meta.url));

const page = usePage(join(here, 'gp-page'), {
  beforeClose: (p) =>
    p.evaluate(() => (globalThis as unknown as { webtune: { destroy(): void } }).webtune.destroy()),
});

function runCase(name: string, backend: 'cpu' | 'webgpu'): Promise<CaseResult> {
  return page().evaluate(
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
  const info = await page().evaluate(() =>
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
  const result = await page().evaluate(() =>
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
