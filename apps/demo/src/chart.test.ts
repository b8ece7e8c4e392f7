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
    expect([m.yMin, m.yMax, m.xMax]).toEqual([0.5, 0.8, 4]);
    const [p0, p1] = m.points;
    // Top of the plot is the highest value, bottom the lowest; x spans trial 0 … 4.
    expect(p1?.y).toBeCloseTo(MARGIN.top);
    expect(p0?.y).toBeCloseTo(200 - MARGIN.bottom);
    expect(p0?.x).toBeCloseTo(MARGIN.left);
    expect(m.bestPath).toBe(`M${p0?.x},${p0?.y}H${p1?.x}V${p1?.y}H${400 - MARGIN.right}`);
  });

  it('widens a flat range to 0.05 inside [0, 1] and draws nothing without complete trials', () => {
    const flat = chartModel([row(0, 'complete', 1), row(1, 'complete', 1)], 400, 200);
    expect(flat.yMax).toBe(1);
    expect(flat.yMax - flat.yMin).toBeCloseTo(0.05);
    const empty = chartModel([row(0, 'running', null)], 400, 200);
    expect(empty.points).toEqual([]);
    expect(empty.bestPath).toBe('');
  });
});
