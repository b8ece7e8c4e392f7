import { describe, expect, it } from 'vitest';
import { axisOf, contourParams, curveData, historyData, parallelData } from './chartData.js';
import { EXAMPLES } from './examples.js';
import { row } from './testRows.js';

const space = EXAMPLES[1]!.space;

describe('chart data', () => {
  it('history: every trial by state, failed without a value, the best so far over complete ones', () => {
    const rows = [
      row(0, 'complete', 0.5),
      row(1, 'failed', null),
      row(2, 'pruned', 0.7),
      row(3, 'complete', 0.8),
      { ...row(4, 'running', null), curve: [0.3, 0.4] },
    ];
    expect(historyData(rows)).toEqual([
      { number: 0, state: 'complete', value: 0.5, best: 0.5 },
      { number: 1, state: 'failed', value: null, best: 0.5 },
      { number: 2, state: 'pruned', value: 0.7, best: 0.5 },
      { number: 3, state: 'complete', value: 0.8, best: 0.8 },
      { number: 4, state: 'running', value: 0.4, best: 0.8 },
    ]);
  });

  it('learning curves: one point per reported epoch, the last one marked (pruned trials end early)', () => {
    const pruned = { ...row(1, 'pruned', 0.2), curve: [0.1, 0.2] };
    expect(curveData([pruned]).map((p) => [p.trial, p.epoch, p.value, p.last])).toEqual([
      [1, 1, 0.1, false],
      [1, 2, 0.2, true],
    ]);
  });

  it('axes: log parameters by log value, categoricals by choice index', () => {
    const lr = axisOf('lr', space.lr!);
    expect(lr.kind).toBe('log');
    expect(lr.position(1e-4)).toBeCloseTo(0);
    expect(lr.position(1e-2)).toBeCloseTo(0.5);
    expect(lr.position(1)).toBeCloseTo(1);
    const opt = axisOf('optimizer', space.optimizer!);
    expect(['adam', 'sgd', 'rmsprop', 'nope'].map((v) => opt.position(v))).toEqual([
      0,
      0.5,
      1,
      null,
    ]);
  });

  it('parallel coordinates: complete trials only, inactive parameters left out, the value axis last', () => {
    const rows = [
      row(0, 'complete', 0.6, { lr: 0.01, hidden: 64, dropout: 0.25, optimizer: 'adam' }),
      row(1, 'complete', 0.9, { lr: 1, hidden: 16, dropout: 0, optimizer: 'sgd', momentum: 0.99 }),
      row(2, 'failed', null, { lr: 0.1, hidden: 16, dropout: 0, optimizer: 'adam' }),
    ];
    const { axes, points } = parallelData(rows, space);
    expect(axes.map((a) => a.name)).toEqual([
      'lr',
      'hidden',
      'dropout',
      'optimizer',
      'momentum',
      'val acc',
    ]);
    expect(points.filter((p) => p.trial === 0).map((p) => p.axis)).not.toContain('momentum');
    expect(points.filter((p) => p.trial === 2)).toEqual([]);
    expect(points.find((p) => p.trial === 1 && p.axis === 'val acc')?.position).toBe(1);
    expect(points.find((p) => p.trial === 0 && p.axis === 'val acc')?.position).toBe(0);
  });

  it('contours take the parameters without a condition', () => {
    expect(contourParams(space)).toEqual(['lr', 'hidden', 'dropout', 'optimizer']);
  });
});
