import { describe, expect, it } from 'vitest';
import { chartModel, MARGIN } from './chart.js';
import type { TrialRow } from './run.js';

function row(number: number, state: TrialRow['state'], valAccuracy: number | null): TrialRow {
  return {
    number,
    params: {},
    state,
    valAccuracy,
    testAccuracy: null,
    epochs: 0,
    durationMs: null,
    tfBackend: null,
    error: null,
  };
}

describe('chartModel', () => {
  it('plots complete trials only and steps the best-so-far line up at each new best', () => {
    const rows = [
      row(0, 'complete', 0.5),
      row(1, 'complete', 0.8),
      row(2, 'failed', null),
      row(3, 'complete', 0.7),
      row(4, 'running', null),
    ];
    const m = chartModel(rows, 400, 200);
    expect(m.points.map((p) => [p.number, p.best])).toEqual([
      [0, true],
      [1, true],
      [3, false],
    ]);
    expect(m.yMin).toBeCloseTo(0.485);
    expect(m.yMax).toBeCloseTo(0.815);
    expect(m.xMax).toBe(4);
    const [p0, p1] = m.points;
    // Highest value near the top, lowest near the bottom (5% padding); x spans trial 0 … 4.
    const plotH = 200 - MARGIN.top - MARGIN.bottom;
    expect(p1?.y).toBeCloseTo(MARGIN.top + plotH * (0.015 / 0.33));
    expect(p0?.y).toBeCloseTo(200 - MARGIN.bottom - plotH * (0.015 / 0.33));
    expect(p0?.x).toBeCloseTo(MARGIN.left);
    expect(m.bestPath).toBe(`M${p0?.x},${p0?.y}H${p1?.x}V${p1?.y}H${400 - MARGIN.right}`);
  });

  it('keeps the range inside [0, 1], widens a flat one, and draws nothing without complete trials', () => {
    const flat = chartModel([row(0, 'complete', 1), row(1, 'complete', 1)], 400, 200);
    expect(flat.yMax).toBe(1);
    expect(flat.yMax - flat.yMin).toBeCloseTo(0.055);
    const wide = chartModel([row(0, 'complete', 0.02), row(1, 'complete', 0.99)], 400, 200);
    expect([wide.yMin, wide.yMax]).toEqual([0, 1]);
    const empty = chartModel([row(0, 'running', null)], 400, 200);
    expect(empty.points).toEqual([]);
    expect(empty.bestPath).toBe('');
  });
});
