import type { SpaceJSON } from '@webtune/core';
import type { TrialRow } from './state.js';

/*
 * What each chart draws, as plain rows (pure, so it is tested in Node; charts.ts draws them with
 * Observable Plot and lists the same rows in each chart's table).
 */

/** One point of the history chart. Failed trials have no value: they are drawn as ticks. */
export interface HistoryPoint {
  number: number;
  state: TrialRow['state'];
  /** Validation accuracy (running: the latest epoch's); null for failed trials. */
  value: number | null;
  /** Best complete value so far (null before the first complete trial). */
  best: number | null;
}

export function historyData(
  rows: readonly TrialRow[],
  direction: 'maximize' | 'minimize' = 'maximize',
): HistoryPoint[] {
  let best: number | null = null;
  const better = direction === 'maximize' ? Math.max : Math.min;
  return rows.map((r) => {
    if (r.state === 'complete' && r.valAccuracy !== null) {
      best = best === null ? r.valAccuracy : better(best, r.valAccuracy);
    }
    return {
      number: r.number,
      state: r.state,
      value: r.state === 'failed' ? null : (r.valAccuracy ?? r.curve.at(-1) ?? null),
      best,
    };
  });
}

/** One epoch of one trial's learning curve. */
export interface CurvePoint {
  trial: number;
  state: TrialRow['state'];
  epoch: number;
  value: number;
  /** The trial's last reported epoch (pruned trials end before the last epoch). */
  last: boolean;
}

export function curveData(rows: readonly TrialRow[]): CurvePoint[] {
  return rows.flatMap((r) =>
    r.curve.map((value, i) => ({
      trial: r.number,
      state: r.state,
      epoch: i + 1,
      value,
      last: i === r.curve.length - 1,
    })),
  );
}

/** A parameter's place on a chart axis: its values' positions in [0, 1] and their labels. */
export interface Axis {
  name: string;
  kind: 'log' | 'linear' | 'categorical';
  /** Position in [0, 1] of a value (categoricals by choice index, log parameters by log value). */
  position(value: unknown): number | null;
  /** Labels at position 0 and 1 (categoricals: every choice with its position). */
  ticks: { position: number; label: string }[];
}

const fmt = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v);

export function axisOf(name: string, param: SpaceJSON[string]): Axis {
  if (param.type === 'categorical') {
    const n = param.choices.length;
    const at = (i: number) => (n === 1 ? 0.5 : i / (n - 1));
    return {
      name,
      kind: 'categorical',
      position: (v) => {
        const i = (param.choices as readonly unknown[]).indexOf(v);
        return i < 0 ? null : at(i);
      },
      ticks: param.choices.map((c, i) => ({ position: at(i), label: fmt(c) })),
    };
  }
  const log = param.log === true;
  const f = (v: number) => (log ? Math.log(v) : v);
  const [lo, hi] = [f(param.low), f(param.high)];
  return {
    name,
    kind: log ? 'log' : 'linear',
    position: (v) =>
      typeof v === 'number' && Number.isFinite(v)
        ? hi === lo
          ? 0.5
          : (f(v) - lo) / (hi - lo)
        : null,
    ticks: [
      { position: 0, label: fmt(param.low) },
      { position: 1, label: fmt(param.high) },
    ],
  };
}

/** One line segment end of the parallel-coordinates chart: a complete trial on one axis. */
export interface ParallelPoint {
  trial: number;
  axis: string;
  position: number;
  value: number;
}

/**
 * Complete trials across one axis per parameter and a last one for the value (min … max of the
 * values shown); a parameter a trial does not have (inactive) leaves a gap in its line.
 */
export function parallelData(
  rows: readonly TrialRow[],
  space: SpaceJSON,
): { axes: Axis[]; points: ParallelPoint[] } {
  const complete = rows.filter((r) => r.state === 'complete' && r.valAccuracy !== null);
  const values = complete.map((r) => r.valAccuracy as number);
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const valueAxis: Axis = {
    name: 'val acc',
    kind: 'linear',
    position: (v) => (hi === lo ? 0.5 : ((v as number) - lo) / (hi - lo)),
    ticks: values.length
      ? [
          { position: 0, label: fmt(lo) },
          { position: 1, label: fmt(hi) },
        ]
      : [],
  };
  const axes = [...Object.entries(space).map(([name, p]) => axisOf(name, p)), valueAxis];
  const points: ParallelPoint[] = [];
  for (const r of complete) {
    for (const axis of axes) {
      const position =
        axis === valueAxis ? axis.position(r.valAccuracy) : axis.position(r.params[axis.name]);
      if (position !== null) {
        points.push({ trial: r.number, axis: axis.name, position, value: r.valAccuracy as number });
      }
    }
  }
  return { axes, points };
}

/** Parameters a contour plot may take: those without a condition (always active). */
export function contourParams(space: SpaceJSON): string[] {
  return Object.entries(space)
    .filter(([, p]) => p.when === undefined)
    .map(([name]) => name);
}
