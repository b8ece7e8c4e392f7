import { objective, fmtValue as pct } from './format.js';
import type { TrialRow } from './state.js';

/*
 * The trials table's view: which columns, in which order, which rows (by state and a parameter
 * range), sorted how; and the exports. Pure, so it is tested in Node; main.ts draws it.
 */

export interface Column {
  key: string;
  label: string;
  /** The cell's text. */
  text(r: TrialRow, epochs: number | undefined): string;
  /** What the column sorts by (null sorts last). */
  sortValue(r: TrialRow): number | string | null;
}

export const STATES: readonly TrialRow['state'][] = ['complete', 'pruned', 'running', 'failed'];

export interface TableView {
  sort: { key: string; dir: 1 | -1 };
  states: Set<TrialRow['state']>;
  /** Keep trials whose parameter `param` lies in [min, max] (either bound may be null). */
  range: { param: string; min: number | null; max: number | null } | null;
  hidden: Set<string>;
}

export function defaultView(): TableView {
  return {
    sort: { key: 'number', dir: 1 },
    states: new Set(STATES),
    range: null,
    hidden: new Set(),
  };
}

export const fmtParam = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v ?? '—');

export function columns(params: readonly string[]): Column[] {
  return [
    { key: 'number', label: '#', text: (r) => String(r.number), sortValue: (r) => r.number },
    ...params.map(
      (name): Column => ({
        key: `param:${name}`,
        label: name,
        text: (r) => fmtParam(r.params[name]),
        sortValue: (r) => {
          const v = r.params[name];
          return typeof v === 'number' || typeof v === 'string'
            ? v
            : v === undefined
              ? null
              : String(v);
        },
      }),
    ),
    {
      key: 'valAccuracy',
      label: objective.percent ? 'val acc' : 'value',
      text: (r) => pct(r.valAccuracy),
      sortValue: (r) => r.valAccuracy,
    },
    {
      key: 'testAccuracy',
      label: 'test acc',
      text: (r) => pct(r.testAccuracy),
      sortValue: (r) => r.testAccuracy,
    },
    { key: 'state', label: 'state', text: (r) => r.state, sortValue: (r) => r.state },
    {
      key: 'epochs',
      label: 'epochs',
      text: (r, epochs) =>
        r.state === 'running' && epochs ? `${r.epochs}/${epochs}` : String(r.epochs),
      sortValue: (r) => r.epochs,
    },
    {
      key: 'duration',
      label: 'duration',
      text: (r) =>
        r.durationMs !== null
          ? `${(r.durationMs / 1000).toFixed(1)} s`
          : r.state === 'running'
            ? '…'
            : '—',
      sortValue: (r) => r.durationMs,
    },
    {
      key: 'tfBackend',
      label: 'TF.js',
      text: (r) => r.tfBackend ?? '—',
      sortValue: (r) => r.tfBackend,
    },
  ];
}

/** The rows the view shows, in its order (ties by trial number). */
export function viewRows(
  rows: readonly TrialRow[],
  cols: readonly Column[],
  view: TableView,
): TrialRow[] {
  const col = cols.find((c) => c.key === view.sort.key) ?? cols[0]!;
  const { range } = view;
  return rows
    .filter((r) => view.states.has(r.state))
    .filter((r) => {
      if (!range) return true;
      const v = r.params[range.param];
      if (typeof v !== 'number') return false;
      return (range.min === null || v >= range.min) && (range.max === null || v <= range.max);
    })
    .sort((a, b) => {
      const [x, y] = [col.sortValue(a), col.sortValue(b)];
      if (x === y) return a.number - b.number;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * view.sort.dir;
    });
}

const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The rows as CSV: one column per parameter, raw values (accuracies as fractions), the error. */
export function toCSV(rows: readonly TrialRow[], params: readonly string[]): string {
  const head = [
    'number',
    ...params,
    'state',
    'valAccuracy',
    'testAccuracy',
    'epochs',
    'durationMs',
    'tfBackend',
    'error',
  ];
  const lines = rows.map((r) =>
    [
      r.number,
      ...params.map((p) => r.params[p] ?? ''),
      r.state,
      r.valAccuracy ?? '',
      r.testAccuracy ?? '',
      r.epochs,
      r.durationMs ?? '',
      r.tfBackend ?? '',
      r.error ?? '',
    ]
      .map((v) => csvCell(String(v)))
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

/** The rows as JSON, learning curves included. */
export function toJSON(rows: readonly TrialRow[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}
