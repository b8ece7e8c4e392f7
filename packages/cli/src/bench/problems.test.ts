import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProblem } from './quality.js';

const DIR = fileURLToPath(new URL('../../../../benchmarks/problems/', import.meta.url));
const PROBLEMS = {
  branin: { budget: 50, fStar: 0.39788735772973816, dims: 2 },
  hartmann6: { budget: 100, fStar: -3.322368011415515, dims: 6 },
  ackley5: { budget: 100, fStar: 0, dims: 5 },
  rosenbrock4: { budget: 80, fStar: 0, dims: 4 },
  levy4: { budget: 80, fStar: 0, dims: 4 },
  'seed-grid': { budget: 60, fStar: 0.10937336327052119, dims: 12 },
} as const;

describe('benchmark problems (benchmarks/problems)', () => {
  for (const [file, expected] of Object.entries(PROBLEMS)) {
    it(`${file}: the protocol's budget and f*, reached at the known minimisers and nowhere lower`, async () => {
      const path = `${DIR}${file}.mjs`;
      const problem = await loadProblem(path);
      const mod = (await import(path)) as { minimizers: Record<string, number>[] };
      expect(problem.budget).toBe(expected.budget);
      expect(problem.fStar).toBe(expected.fStar);
      expect(problem.space.dims).toBe(expected.dims);
      for (const m of mod.minimizers) {
        expect(problem.space.contains(m)).toBe(true);
        // Hartmann-6's minimiser is published to 6 digits.
        expect(Math.abs((await problem.objective(m)) - problem.fStar)).toBeLessThan(1e-9);
      }
      const rng = {
        s: 1,
        random() {
          this.s = (this.s * 16807) % 2147483647;
          return this.s / 2147483647;
        },
      };
      for (let i = 0; i < 2000; i++) {
        const v = await problem.objective(problem.space.sample(rng));
        expect(v).toBeGreaterThanOrEqual(problem.fStar - 1e-12);
      }
    });
  }

  it('rejects a module without fStar, naming the export', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webtune-problem-'));
    const path = join(dir, 'nofstar.mjs');
    await writeFile(
      path,
      "export const space = { x: { type: 'float', low: 0, high: 1 } };\nexport const budget = 5;\nexport const objective = ({ x }) => x;\n",
    );
    await expect(loadProblem(path)).rejects.toThrow(/export fStar must be a finite number/);
  });
});
