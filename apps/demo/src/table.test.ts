import { describe, expect, it } from 'vitest';
import { columns, defaultView, toCSV, viewRows } from './table.js';
import { row } from './testRows.js';

const rows = [
  row(0, 'complete', 0.5, { lr: 0.1, opt: 'adam' }),
  row(1, 'pruned', 0.3, { lr: 0.01, opt: 'sgd' }),
  { ...row(2, 'failed', null, { lr: 1, opt: 'a, "b"' }), error: 'diverged:\nNaN' },
  row(3, 'complete', 0.9, { lr: 0.001, opt: 'adam' }),
];
const cols = columns(['lr', 'opt']);

describe('the trials table view', () => {
  it('sorts by any column, nulls last, ties by number', () => {
    const view = defaultView();
    view.sort = { key: 'valAccuracy', dir: -1 };
    expect(viewRows(rows, cols, view).map((r) => r.number)).toEqual([3, 0, 1, 2]);
    view.sort = { key: 'param:lr', dir: 1 };
    expect(viewRows(rows, cols, view).map((r) => r.number)).toEqual([3, 1, 0, 2]);
  });

  it('filters by state and by a parameter range', () => {
    const view = defaultView();
    view.states.delete('failed');
    view.range = { param: 'lr', min: 0.005, max: null };
    expect(viewRows(rows, cols, view).map((r) => r.number)).toEqual([0, 1]);
  });

  it('exports CSV with raw values, quoting what needs it', () => {
    expect(toCSV(rows.slice(1, 3), ['lr', 'opt']).split('\n').slice(0, 2)).toEqual([
      'number,lr,opt,state,valAccuracy,testAccuracy,epochs,durationMs,tfBackend,error',
      '1,0.01,sgd,pruned,0.3,,1,1,cpu,',
    ]);
    expect(toCSV([rows[2]!], ['lr', 'opt'])).toContain(
      '2,1,"a, ""b""",failed,,,1,1,cpu,"diverged:\nNaN"',
    );
  });
});
