import * as Plot from '@observablehq/plot';
import type { ParamImportance } from '@webtune/analysis';
import type { SpaceJSON } from '@webtune/core';
import { axisOf, curveData, historyData, parallelData } from './chartData.js';
import { objective, fmtValue as pct } from './format.js';
import type { TrialRow } from './state.js';

/*
 * The charts, drawn with Observable Plot (SVG) at the width they are shown at, so their text
 * keeps the page's size on a phone. Loaded by the page when the first trial shows up. Each
 * returns the SVG and the table of what it shows (the page puts it under the chart, for screen
 * readers and anyone who wants the numbers).
 */

export interface Chart {
  svg: SVGSVGElement | HTMLElement;
  table: { head: string[]; rows: string[][] };
}

/** State colours, each ≥ 4.5:1 against white; pruned and failed also differ by shape. */
const STATES = ['complete', 'pruned', 'running', 'failed'] as const;
const [COMPLETE, PRUNED, RUNNING, FAILED] = ['#1d4ed8', '#4b5563', '#b45309', '#b91c1c'];
const STATE_COLOURS = [COMPLETE, PRUNED, RUNNING, FAILED];
const BEST = '#15803d';
const stateColour = { domain: [...STATES], range: STATE_COLOURS, legend: true };

const fmt = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v ?? '—');
const base = (width: number, label: string, description: string) => ({
  width,
  height: Math.round(Math.min(320, Math.max(220, width * 0.45))),
  marginLeft: 52,
  style: { fontSize: '12px', background: 'transparent' },
  ariaLabel: label,
  ariaDescription: description,
});

/** Validation accuracy per trial by state; failed trials as ticks on the axis; the best so far as a step line. */
export function historyChart(rows: readonly TrialRow[], width: number, log: boolean): Chart {
  const data = historyData(rows, objective.direction);
  const valued = data.filter((d) => d.value !== null && d.value > 0);
  const failed = data.filter((d) => d.state === 'failed');
  const best = data.filter((d) => d.best !== null);
  const svg = Plot.plot({
    ...base(
      width,
      'Optimisation history',
      `${objective.label} of ${valued.length} trials by trial number${log ? ' (log scale)' : ''}; ${failed.length} failed`,
    ),
    x: { label: 'trial', grid: true, domain: [0, Math.max(1, ...data.map((d) => d.number))] },
    y: { label: objective.label, grid: true, type: log ? 'log' : 'linear', nice: true },
    color: stateColour,
    symbol: { domain: [...STATES], range: ['circle', 'triangle', 'diamond', 'times'] },
    marks: [
      Plot.line(best, {
        x: 'number',
        y: 'best',
        curve: 'step-after',
        stroke: BEST,
        strokeWidth: 2,
      }),
      Plot.tickX(failed, { x: 'number', stroke: FAILED, strokeDasharray: '3,3' }),
      Plot.dot(valued, {
        x: 'number',
        y: 'value',
        stroke: 'state',
        fill: (d: { state: string }) => (d.state === 'running' ? 'white' : d.state),
        symbol: 'state',
        r: 4,
        tip: true,
        title: (d: { number: number; state: string; value: number }) =>
          `trial ${d.number} (${d.state}): ${pct(d.value)}`,
      }),
    ],
  });
  return {
    svg,
    table: {
      head: ['trial', 'state', objective.label, 'best so far'],
      rows: data.map((d) => [String(d.number), d.state, pct(d.value), pct(d.best)]),
    },
  };
}

/** One line per trial over its epochs; pruned ones stop early, marked with ×. */
export function curvesChart(rows: readonly TrialRow[], width: number, epochs: number): Chart {
  const data = curveData(rows);
  const ends = data.filter((d) => d.last && d.state === 'pruned');
  const svg = Plot.plot({
    ...base(
      width,
      'Learning curves',
      `${objective.label} after each epoch for ${rows.length} trials; ${ends.length} pruned before epoch ${epochs}`,
    ),
    x: {
      label: 'epoch',
      domain: [1, Math.max(2, epochs)],
      ticks: Math.min(epochs, 10),
      grid: true,
    },
    y: { label: objective.label, grid: true, nice: true },
    color: stateColour,
    marks: [
      Plot.line(
        data.filter((d) => d.state !== 'pruned'),
        { x: 'epoch', y: 'value', z: 'trial', stroke: 'state', strokeOpacity: 0.8 },
      ),
      Plot.line(
        data.filter((d) => d.state === 'pruned'),
        { x: 'epoch', y: 'value', z: 'trial', stroke: 'state', strokeDasharray: '4,3' },
      ),
      Plot.dot(ends, { x: 'epoch', y: 'value', stroke: 'state', symbol: 'times', r: 5 }),
      Plot.dot(data, {
        x: 'epoch',
        y: 'value',
        r: 2,
        fill: 'state',
        tip: true,
        title: (d: { trial: number; epoch: number; value: number; state: string }) =>
          `trial ${d.trial} (${d.state}), epoch ${d.epoch}: ${pct(d.value)}`,
      }),
    ],
  });
  return {
    svg,
    table: {
      head: ['trial', 'state', ...Array.from({ length: epochs }, (_, i) => `epoch ${i + 1}`)],
      rows: rows.map((r) => [
        String(r.number),
        r.state,
        ...Array.from({ length: epochs }, (_, i) => pct(r.curve[i] ?? null)),
      ]),
    },
  };
}

/** Importance bars, most important on top. */
export function importanceChart(params: readonly ParamImportance[], width: number): Chart {
  const svg = Plot.plot({
    ...base(
      width,
      'Parameter importance',
      `importance of ${params.length} parameters, summing to 1`,
    ),
    height: 40 + params.length * 32,
    marginLeft: 90,
    x: { label: 'importance', domain: [0, 1], grid: true },
    y: { label: null, domain: params.map((p) => p.name) },
    marks: [
      Plot.barX(params, { x: 'importance', y: 'name', fill: COMPLETE }),
      Plot.text(params, {
        x: 'importance',
        y: 'name',
        text: (p: ParamImportance) => p.importance.toFixed(3),
        dx: 4,
        textAnchor: 'start',
      }),
    ],
  });
  return {
    svg,
    table: {
      head: ['parameter', 'importance', 'first-order index', 'total index'],
      rows: params.map((p) => [
        p.name,
        p.importance.toFixed(3),
        p.first.toFixed(3),
        p.total.toFixed(3),
      ]),
    },
  };
}

/** One axis per parameter and one for the value; one line per complete trial, coloured by value. */
export function parallelChart(rows: readonly TrialRow[], space: SpaceJSON, width: number): Chart {
  const { axes, points } = parallelData(rows, space);
  const names = axes.map((a) => a.name);
  const ticks = axes.flatMap((a) => a.ticks.map((t) => ({ axis: a.name, ...t })));
  const svg = Plot.plot({
    ...base(
      width,
      'Parallel coordinates',
      `${new Set(points.map((p) => p.trial)).size} complete trials across ${names.length - 1} parameters and the ${objective.label}`,
    ),
    marginLeft: 20,
    marginRight: 40,
    // Narrow screens: axis names slanted, and the value labels left to the table below.
    marginBottom: width < 600 ? 56 : 30,
    x: { domain: names, label: null, padding: 0.1, tickRotate: width < 600 ? -30 : 0 },
    y: { domain: [0, 1], axis: null },
    // Both ends ≥ 4.5:1 on white, so every line stays visible.
    color: { type: 'linear', range: ['#c2410c', '#1d4ed8'], legend: true, label: objective.label },
    marks: [
      Plot.ruleX(names, { stroke: '#6b7280' }),
      Plot.line(points, {
        x: 'axis',
        y: 'position',
        z: 'trial',
        stroke: 'value',
        strokeOpacity: 0.8,
      }),
      Plot.text(width < 600 ? [] : ticks, {
        x: 'axis',
        y: 'position',
        text: 'label',
        dx: 3,
        textAnchor: 'start',
        fill: 'currentColor',
        stroke: 'white',
        strokeWidth: 3,
        paintOrder: 'stroke',
      }),
    ],
  });
  const complete = rows.filter((r) => r.state === 'complete' && r.valAccuracy !== null);
  return {
    svg,
    table: {
      head: ['trial', ...names.slice(0, -1), objective.label],
      rows: complete.map((r) => [
        String(r.number),
        ...names.slice(0, -1).map((n) => fmt(r.params[n])),
        pct(r.valAccuracy),
      ]),
    },
  };
}

/** One small chart per parameter: the value of each complete trial against that parameter. */
export function sliceCharts(rows: readonly TrialRow[], space: SpaceJSON, width: number): Chart {
  const complete = rows.filter((r) => r.state === 'complete' && r.valAccuracy !== null);
  const box = document.createElement('div');
  box.className = 'slices';
  const names = Object.keys(space);
  const each = width >= 700 ? Math.floor((width - 16) / 2) : width;
  for (const name of names) {
    const p = space[name]!;
    const axis = axisOf(name, p);
    const data = complete.filter((r) => r.params[name] !== undefined);
    box.append(
      Plot.plot({
        ...base(
          each,
          `Slice: ${name}`,
          `${objective.label} against ${name} for ${data.length} complete trials`,
        ),
        height: 200,
        x:
          axis.kind === 'categorical'
            ? {
                label: name,
                type: 'point',
                domain: p.type === 'categorical' ? p.choices.map(String) : [],
                padding: 0.5,
              }
            : { label: name, type: axis.kind === 'log' ? 'log' : 'linear', grid: true },
        y: { label: objective.percent ? 'val acc' : 'value', grid: true, nice: true },
        color: { scheme: 'blues', label: 'trial', legend: false },
        marks: [
          Plot.dot(data, {
            x: (r: TrialRow) =>
              axis.kind === 'categorical' ? String(r.params[name]) : r.params[name],
            y: 'valAccuracy',
            stroke: COMPLETE,
            fill: 'number',
            r: 4,
            tip: true,
            title: (r: TrialRow) =>
              `trial ${r.number}: ${name} = ${fmt(r.params[name])}, ${pct(r.valAccuracy)}`,
          }),
        ],
      }),
    );
  }
  return {
    svg: box,
    table: {
      head: ['trial', ...names, objective.label],
      rows: complete.map((r) => [
        String(r.number),
        ...names.map((n) => fmt(r.params[n])),
        pct(r.valAccuracy),
      ]),
    },
  };
}

/** The GP's posterior mean over two parameters (the others at the best trial's values), with the trials on top. */
export function contourChart(
  grid: { xs: unknown[]; ys: unknown[]; mean: number[] },
  names: { x: string; y: string },
  space: SpaceJSON,
  rows: readonly TrialRow[],
  width: number,
): Chart {
  const [px, py] = [space[names.x]!, space[names.y]!];
  const cells = grid.ys.flatMap((vy, j) =>
    grid.xs.map((vx, i) => ({ x: vx, y: vy, mean: grid.mean[j * grid.xs.length + i]! })),
  );
  const complete = rows.filter(
    (r) =>
      r.state === 'complete' && r.params[names.x] !== undefined && r.params[names.y] !== undefined,
  );
  const numeric = px.type !== 'categorical' && py.type !== 'categorical';
  const scale = (name: string, p: SpaceJSON[string]) =>
    p.type === 'categorical'
      ? { label: name, type: 'band' as const, domain: p.choices.map(String) }
      : { label: name, type: p.log ? ('log' as const) : ('linear' as const) };
  const key = (p: SpaceJSON[string], v: unknown) => (p.type === 'categorical' ? String(v) : v);
  const svg = Plot.plot({
    ...base(
      width,
      `Contour: ${names.x} × ${names.y}`,
      `GP posterior mean of the ${objective.label} over ${names.x} and ${names.y}, other parameters at the best trial's values; ${complete.length} complete trials marked`,
    ),
    height: Math.round(Math.min(360, Math.max(260, width * 0.55))),
    x: scale(names.x, px),
    y: scale(names.y, py),
    color: { scheme: 'viridis', legend: true, label: `GP mean of ${objective.label}` },
    marks: [
      numeric
        ? Plot.contour(cells, {
            x: 'x',
            y: 'y',
            fill: 'mean',
            interpolate: 'barycentric',
            thresholds: 12,
          })
        : Plot.cell(cells, {
            x: (d: { x: unknown }) => key(px, d.x),
            y: (d: { y: unknown }) => key(py, d.y),
            fill: 'mean',
            inset: 0.5,
          }),
      Plot.dot(complete, {
        x: (r: TrialRow) => key(px, r.params[names.x]),
        y: (r: TrialRow) => key(py, r.params[names.y]),
        stroke: 'white',
        fill: 'black',
        r: 3.5,
        tip: true,
        title: (r: TrialRow) => `trial ${r.number}: ${pct(r.valAccuracy)}`,
      }),
    ],
  });
  return {
    svg,
    table: {
      head: [names.y, names.x, 'GP mean'],
      rows: cells.map((c) => [fmt(c.y), fmt(c.x), pct(c.mean)]),
    },
  };
}
