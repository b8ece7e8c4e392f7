import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('scoring threads', () => {
  it('do not keep a Node process alive after a threaded call when nobody calls destroy()', async () => {
    // n·m = 1.2e6 ≥ THREAD_MIN_WORK, so the call runs on worker threads; the script then ends.
    const script = `
      import { createCpuBackend, conditionGP, mulberry32 } from ${JSON.stringify(dist)};
      const d = 4, n = 300, m = 4000, r = mulberry32(1);
      const gp = conditionGP({ kind: 'matern52', d }, { lengthscales: new Float64Array(d).fill(0.5), outputScale: 1, noise: 1e-4 },
        new Float64Array(n * d).map(r), n, new Float64Array(n).map(r), 0, 1);
      const top = await createCpuBackend({ threads: 2 }).scoreTopK(gp, new Float64Array(m * d).map(r), m, { kind: 'logEI', best: -1 }, 5);
      console.log('scored', top.index.length);
    `;
    const file = join(mkdtempSync(join(tmpdir(), 'webtune-threads-')), 'score.mjs');
    writeFileSync(file, script);
    const result = await new Promise<{ code: number | null; signal: string | null; out: string }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          [file],
          { timeout: 60_000 },
          (error, stdout, stderr) => {
            resolve({ code: child.exitCode, signal: error?.signal ?? null, out: stdout + stderr });
          },
        );
      },
    );
    expect(result.out).toContain('scored 5');
    // Killed by the 60 s timeout (SIGTERM) when the idle workers hold the event loop open.
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
  }, 90_000);
});
