import { describe, expect, it } from 'vitest';
import { chartModel, importanceModel, MARGIN } from './chart.js';
import { row } from './testRows.js';

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

describe('importanceModel', () => {
  it('draws one bar per parameter, in the given order, as long as its share of the axis', () => {
    const m = importanceModel(
      [
        { name: 'lr', importance: 0.75, first: 0.6, total: 0.7 },
        { name: 'batch', importance: 0.25, first: 0.2, total: 0.3 },
        { name: 'hidden', importance: 0, first: -0.01, total: 0.01 },
      ],
      640,
    );
    expect(m.bars.map((b) => [b.name, b.label])).toEqual([
      ['lr', '0.750'],
      ['batch', '0.250'],
      ['hidden', '0.000'],
    ]);
    const plot = m.right - m.left;
    expect(m.bars.map((b) => b.width)).toEqual([0.75 * plot, 0.25 * plot, 0]);
    expect(m.bars[1]!.y).toBeGreaterThan(m.bars[0]!.y);
    expect(m.height).toBeGreaterThan(m.bars[2]!.y);
    expect(importanceModel([], 640).bars).toEqual([]);
  });
});
