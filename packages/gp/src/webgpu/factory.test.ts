import { existsSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { scoreTopKSync } from '../cpuBackend.js';
import { kernelMatrix } from '../kernel.js';
import { posterior } from '../posterior.js';
import { cpuCholeskyFull, createWebGPUBackend, type WebGPUSurrogateBackend } from './backend.js';
import { problem } from './conformance.js';
import { findAdapter } from './device.js';
import { createSurrogateBackend } from './factory.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createSurrogateBackend', () => {
  it("'cpu' is the exact backend", async () => {
    const b = await createSurrogateBackend({ backend: 'cpu' });
    expect(b.name).toBe('cpu');
    b.destroy();
  });

  it("'auto' picks cpu on a fallback adapter (SwiftShader) and says why", async () => {
    const b = await createSurrogateBackend({ backend: 'auto' });
    expect(b.name).toBe('cpu');
    expect(b.description).toMatch(
      /^auto → cpu: the only WebGPU adapter is a fallback adapter \(google swiftshader/,
    );
    b.destroy();
  });

  it("'webgpu' runs on the adapter even when it is a fallback one", async () => {
    const b = await createSurrogateBackend({ backend: 'webgpu' });
    expect(b.name).toBe('webgpu');
    expect(b.description).toContain('swiftshader');
    expect(b.description).toContain('fallback adapter');
    b.destroy();
  });

  it('rejects an unknown backend and a negative minWork before any work', async () => {
    await expect(createSurrogateBackend({ backend: 'gpu' as 'cpu' })).rejects.toThrow(
      "backend: 'gpu' must be 'webgpu', 'cpu' or 'auto'",
    );
    await expect(createSurrogateBackend({ minWork: -1 })).rejects.toThrow('minWork: -1 must be');
  });

  it("'webgpu' with an adapter that cannot give a device is an error, not a CPU fallback", async () => {
    const found = await findAdapter();
    const adapter = found!.adapter;
    await adapter.requestDevice().then((d) => d.destroy());
    // An adapter hands out one device; a second request must fail and the error must surface.
    await expect(createSurrogateBackend({ backend: 'webgpu', adapter })).rejects.toThrow();
  });
});

describe('webgpu backend on a caller-provided device', () => {
  // One backend (one device, its pipelines compiled once) for the tests that need no device of
  // their own: on SwiftShader each df64 pipeline takes seconds to compile.
  let sharedBackend: Promise<WebGPUSurrogateBackend> | undefined;
  const shared = () => (sharedBackend ??= createWebGPUBackend());
  afterAll(async () => (await sharedBackend)?.destroy());

  it('uses the device without destroying it, and falls back to the CPU after device loss', async () => {
    const found = await findAdapter();
    const device = await found!.adapter.requestDevice();
    const backend = await createWebGPUBackend({ device });
    const p = problem(7, 'matern52', 40, 3, 500);
    const acq = { kind: 'ei', best: -0.5 } as const;
    const before = await backend.scoreTopK(p.gp, p.xc, p.m, acq, 3);
    expect(backend.lost).toBe(false);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    device.destroy();
    await device.lost;
    expect(backend.lost).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('WebGPU device lost');
    const after = await backend.scoreTopK(p.gp, p.xc, p.m, acq, 3);
    const cpu = scoreTopKSync(p.gp, p.xc, p.m, acq, 3);
    expect(Array.from(after.index)).toEqual(Array.from(cpu.index));
    expect(Array.from(after.value)).toEqual(Array.from(cpu.value));
    expect(before.index[0]).toBe(cpu.index[0]);
    await backend.predict(p.gp, p.xc, p.m);
    expect(warn).toHaveBeenCalledTimes(1);
    backend.destroy();
  }, 60_000);

  it('validates inputs before any GPU work', async () => {
    const backend = await createWebGPUBackend();
    const p = problem(8, 'rbf', 10, 2, 20);
    await expect(async () =>
      backend.scoreTopK(p.gp, p.xc, p.m, { kind: 'ei', best: 0 }, 21),
    ).rejects.toThrow('scoreTopK: k (21) must be an integer in [0, m = 20]');
    await expect(async () => backend.predict(p.gp, p.xc, 30)).rejects.toThrow(
      'xc: length 40 must be ≥ 30×2 = 60',
    );
    await expect(async () =>
      backend.scoreTopK(p.gp, p.xc, p.m, { kind: 'ei', best: Number.NaN }, 1),
    ).rejects.toThrow("acquisition.best: NaN must be finite for 'ei'");
    backend.destroy();
    await expect(async () => backend.predict(p.gp, p.xc, p.m)).rejects.toThrow(
      'used after destroy()',
    );
  }, 60_000);

  it('screens m in several chunks (offsets, reused chunk buffers) exactly as in one', async () => {
    const chunked = await createWebGPUBackend({ chunkSize: 1000 });
    const p = problem(12, 'matern52', 70, 4, 3100);
    const acq = { kind: 'logEI', best: -0.5 } as const;
    const top = await chunked.scoreTopK(p.gp, p.xc, p.m, acq, 4);
    const cpu = scoreTopKSync(p.gp, p.xc, p.m, acq, 4);
    expect(Array.from(top.index)).toEqual(Array.from(cpu.index));
    // predict needs no chunks of chunkSize (it scores every candidate exactly): a few suffice.
    const got = await chunked.predict(p.gp, p.xc, 200);
    const ref = posterior(p.gp, p.xc, 200);
    for (let i = 0; i < 200; i++) {
      expect(Math.abs(got.mean[i]! - ref.mean[i]!)).toBeLessThan(1e-9);
      expect(Math.abs(got.variance[i]! - ref.variance[i]!)).toBeLessThan(1e-9);
    }
    chunked.destroy();
    await expect(createWebGPUBackend({ chunkSize: 10 })).rejects.toThrow(
      'chunkSize: 10 must be an integer ≥ 64',
    );
  }, 60_000);

  it('retries a singular K with the CPU jitter schedule and reports the jitter', async () => {
    const backend = await shared();
    // Every point twice and no noise: K is exactly singular, so jitter 0 must fail.
    const n = 40;
    const base = problem(13, 'rbf', n / 2, 3, 1);
    const x = new Float64Array(n * 3);
    x.set(base.x, 0);
    x.set(base.x, (n / 2) * 3);
    const params = { ...base.params, noise: 0 };
    const a = kernelMatrix(base.spec, params, x, n);
    const { l, jitter } = await backend.cholesky(a, n);
    expect(jitter).toBeGreaterThan(0);
    let err = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let t = 0; t <= j; t++) s += l[i * n + t]! * l[j * n + t]!;
        err = Math.max(err, Math.abs(s - a[i * n + j]! - (i === j ? jitter : 0)));
      }
    }
    expect(err).toBeLessThan(1e-12 * params.outputScale);
    // The CPU's pivot test and schedule: the same jitter, not one of the GPU's own.
    expect(jitter).toBe(cpuCholeskyFull(a, n).jitter);
  }, 60_000);

  it('reuses the uploaded model across calls and reads k > 1024 through the full-readback path', async () => {
    const backend = await shared();
    const p = problem(9, 'matern52', 30, 2, 1500);
    const acq = { kind: 'ucb', best: 0 } as const;
    const a = await backend.scoreTopK(p.gp, p.xc, p.m, acq, 1100);
    const b = await backend.scoreTopK(p.gp, p.xc, p.m, acq, 5);
    expect(Array.from(a.index.slice(0, 5))).toEqual(Array.from(b.index));
    expect(backend.lastLoad).toEqual({ uploadedRows: 0, keptRows: 30 });
    const cpu = scoreTopKSync(p.gp, p.xc, p.m, acq, 1);
    expect(b.index[0]).toBe(cpu.index[0]);
  }, 60_000);
});
