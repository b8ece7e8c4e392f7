import { importanceCaveats, importanceReport } from '@webtune/analysis';
import { describe, expect, it, vi } from 'vitest';
import { EXAMPLES } from './examples.js';
import {
  createImportanceScheduler,
  type ImportanceReport,
  importanceDue,
  importanceTrials,
} from './importances.js';
import { row } from './testRows.js';

describe('importanceDue', () => {
  it('refits at each multiple of `every` crossed and once more when the study stops', () => {
    expect([1, 2, 4, 5, 6].map((c) => importanceDue(c, 0, false))).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(importanceDue(9, 5, false)).toBe(false);
    expect(importanceDue(11, 5, false)).toBe(true);
    expect(importanceDue(7, 5, true)).toBe(true);
    expect(importanceDue(7, 7, true)).toBe(false);
    expect(importanceDue(1, 0, true)).toBe(false);
  });
});

describe('importanceTrials', () => {
  it('keeps complete trials only, by number, thinned evenly to at most `max`', () => {
    const rows = [
      row(3, 'complete', 0.3),
      row(0, 'complete', 0.1),
      row(1, 'failed', null),
      row(2, 'running', 0.5),
      row(4, 'pruned', 0.2),
    ];
    expect(importanceTrials(rows).map((t) => [t.number, t.value])).toEqual([
      [0, 0.1],
      [3, 0.3],
    ]);
    const many = Array.from({ length: 10 }, (_, i) => row(i, 'complete', i / 10));
    expect(importanceTrials(many, 4).map((t) => t.number)).toEqual([0, 2, 5, 7]);
  });
});

describe('createImportanceScheduler', () => {
  // The seed grid's space, with values that depend mostly on lr.
  const space = EXAMPLES[0]!.space;
  /** What the demo's importance worker computes. */
  const fit = (trials: Parameters<typeof importanceReport>[0], samples = 4096) => {
    const found = importanceReport(trials, space, { samples, measure: 'auto' });
    return { params: found.params, caveats: importanceCaveats(found) };
  };
  const rows = Array.from({ length: 12 }, (_, i) => {
    const params = { lr: [0.001, 0.01, 0.1, 1][i % 4]!, batch: [32, 64][i % 2]!, hidden: 64 };
    return row(i, 'complete', 0.5 + 0.1 * (i % 4) + 0.01 * (i % 2), params);
  });

  it('fits one at a time with the real paramImportances, skipping to the newest rows', async () => {
    const fits: number[] = [];
    const reports: ImportanceReport[] = [];
    let release: (() => void) | undefined;
    const scheduler = createImportanceScheduler(
      async (trials) => {
        fits.push(trials.length);
        // Holds the first fit until the test lets it go: rows arrive meanwhile.
        if (fits.length === 1) await new Promise<void>((r) => (release = r));
        return fit(trials, 512);
      },
      (r) => reports.push(structuredClone(r)),
    );
    for (let n = 1; n <= 11; n++) scheduler.update(rows.slice(0, n), false);
    expect(fits).toEqual([5]);
    release?.();
    await vi.waitFor(() => expect(reports.at(-1)).toMatchObject({ basedOn: 11, computing: null }));
    // While the first fit ran, 6 … 11 arrived: only the newest (11, past 10) was fitted next.
    expect(fits).toEqual([5, 11]);
    scheduler.update(rows, true);
    await vi.waitFor(() => expect(reports.at(-1)).toMatchObject({ basedOn: 12, computing: null }));
    expect(fits).toEqual([5, 11, 12]);
    const last = reports.at(-1)!;
    expect(last.basedOn).toBe(12);
    expect(last.computing).toBeNull();
    expect(last.error).toBeNull();
    expect(last.params.map((p) => p.name)[0]).toBe('lr');
    expect(last.params.map((p) => p.name).sort()).toEqual(['batch', 'hidden', 'lr']);
    expect(last.caveats).toEqual([]);
  });

  it('passes on the caveats of a ranking of interactions', async () => {
    const reports: ImportanceReport[] = [];
    // Accuracy high only where lr and batch are both at their small or both at their large
    // values: a pure interaction, which single parameters do not explain.
    const lrs = [0.001, 0.01, 0.1, 1];
    const batches = [32, 64, 128, 256];
    const xor = lrs.flatMap((lr, i) =>
      batches.map((batch, j) =>
        row(4 * i + j, 'complete', i < 2 === j < 2 ? 0.9 : 0.5, { lr, batch, hidden: 64 }),
      ),
    );
    const scheduler = createImportanceScheduler(
      async (trials) => fit(trials),
      (r) => reports.push(structuredClone(r)),
    );
    scheduler.update(xor, true);
    await vi.waitFor(() => expect(reports.at(-1)?.basedOn).toBe(16));
    expect(reports.at(-1)?.caveats.join(' ')).toMatch(/^ranked by total index/);
  });

  it('reports a fit that fails, keeping the bars it had', async () => {
    const reports: ImportanceReport[] = [];
    const flat = rows.map((r) => ({ ...r, valAccuracy: 0.5 }));
    const scheduler = createImportanceScheduler(
      async (trials) => fit(trials),
      (r) => reports.push(structuredClone(r)),
    );
    scheduler.update(flat.slice(0, 5), true);
    await vi.waitFor(() => expect(reports.at(-1)?.computing).toBeNull());
    expect(reports.at(-1)).toMatchObject({ basedOn: 0, params: [], caveats: [], computing: null });
    expect(reports.at(-1)?.error).toContain(
      'paramImportances: all 5 complete trials have the target 0.5',
    );
  });
});
