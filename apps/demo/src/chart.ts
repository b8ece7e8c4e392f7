import type { ParamImportance } from '@webtune/analysis';
import type { TrialRow } from './state.js';

/** Geometry of the optimisation-history chart, in SVG user units (pure, so it is testable). */
export interface ChartModel {
  width: number;
  height: number;
  /** One dot per complete trial: x from the trial number, y from its validation accuracy. */
  points: { number: number; value: number; x: number; y: number; best: boolean }[];
  /** SVG path of the best-so-far step line ('' with no complete trial). */
  bestPath: string;
  /** The value range shown on the y axis. */
  yMin: number;
  yMax: number;
  /** Trial numbers spanned by the x axis. */
  xMax: number;
}

export const MARGIN = { left: 44, right: 20, top: 14, bottom: 28 } as const;

/**
 * Lays out complete trials (higher is better) on [0, xMax] × [yMin, yMax]: the y range is the
 * observed one, widened to at least 0.05, padded by 5% each side and kept inside [0, 1].
 */
export function chartModel(rows: readonly TrialRow[], width: number, height: number): ChartModel {
  const done = rows.filter((r) => r.state === 'complete' && r.valAccuracy !== null);
  const values = done.map((r) => r.valAccuracy as number);
  let yMin = values.length ? Math.min(...values) : 0;
  let yMax = values.length ? Math.max(...values) : 1;
  if (yMax - yMin < 0.05) {
    const mid = (yMin + yMax) / 2;
    yMin = mid - 0.025;
    yMax = mid + 0.025;
  }
  const pad = 0.05 * (yMax - yMin);
  yMin -= pad;
  yMax += pad;
  // Slide (not shrink) a window that sticks out of [0, 1].
  if (yMax > 1) [yMin, yMax] = [yMin - (yMax - 1), 1];
  if (yMin < 0) [yMin, yMax] = [0, Math.min(1, yMax - yMin)];
  const xMax = Math.max(1, ...rows.map((r) => r.number));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const sx = (n: number) => MARGIN.left + (n / xMax) * plotW;
  const sy = (v: number) => MARGIN.top + (1 - (v - yMin) / (yMax - yMin)) * plotH;
  let best = -Infinity;
  let bestPath = '';
  const points: ChartModel['points'] = [];
  for (const r of done) {
    const v = r.valAccuracy as number;
    const isBest = v > best;
    if (isBest) {
      bestPath += bestPath === '' ? `M${sx(r.number)},${sy(v)}` : `H${sx(r.number)}V${sy(v)}`;
      best = v;
    }
    points.push({ number: r.number, value: v, x: sx(r.number), y: sy(v), best: isBest });
  }
  if (bestPath !== '') bestPath += `H${sx(xMax)}`;
  return { width, height, points, bestPath, yMin, yMax, xMax };
}

const SVG = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Redraws the chart into `svg` (its viewBox fixes the size). */
export function renderChart(svg: SVGSVGElement, rows: readonly TrialRow[]): void {
  // Drawn at the width it is shown at, so its text stays at the page's size on a phone.
  const m = chartModel(rows, Math.max(300, Math.min(760, svg.clientWidth || 640)), 260);
  svg.setAttribute('viewBox', `0 0 ${m.width} ${m.height}`);
  const parts: SVGElement[] = [];
  const left = MARGIN.left;
  const right = m.width - MARGIN.right;
  const bottom = m.height - MARGIN.bottom;
  for (let i = 0; i <= 4; i++) {
    const v = m.yMin + ((m.yMax - m.yMin) * i) / 4;
    const y = MARGIN.top + (1 - i / 4) * (bottom - MARGIN.top);
    parts.push(el('line', { x1: left, x2: right, y1: y, y2: y, class: 'grid' }));
    parts.push(el('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, v.toFixed(3)));
  }
  const step = Math.ceil(m.xMax / 10);
  for (let n = 0; n <= m.xMax; n += step) {
    const x = left + (n / m.xMax) * (right - left);
    parts.push(el('text', { x, y: bottom + 16, 'text-anchor': 'middle' }, String(n)));
  }
  parts.push(el('text', { x: right, y: m.height - 2, 'text-anchor': 'end' }, 'trial'));
  parts.push(el('line', { x1: left, x2: right, y1: bottom, y2: bottom, class: 'axis' }));
  parts.push(el('line', { x1: left, x2: left, y1: MARGIN.top, y2: bottom, class: 'axis' }));
  if (m.bestPath) parts.push(el('path', { d: m.bestPath, class: 'best' }));
  for (const p of m.points) {
    const dot = el('circle', {
      cx: p.x,
      cy: p.y,
      r: p.best ? 4.5 : 3.5,
      class: p.best ? 'dot new-best' : 'dot',
    });
    dot.appendChild(el('title', {}, `trial ${p.number}: ${p.value.toFixed(4)}`));
    parts.push(dot);
  }
  svg.replaceChildren(...parts);
}

/** Geometry of the importance bar chart, in SVG user units: one row per parameter, most important on top. */
export interface ImportanceModel {
  width: number;
  height: number;
  /** Bars start at x = `left`; `width` is importance × (plot width), importance in [0, 1]. */
  bars: { name: string; importance: number; y: number; width: number; label: string }[];
  left: number;
  right: number;
}

const IMPORTANCE_ROW = 26;
const IMPORTANCE_LABELS = 120;

/** Lays out `params` (as `paramImportances` returns them) as horizontal bars on a 0 … 1 axis. */
export function importanceModel(
  params: readonly ParamImportance[],
  width: number,
): ImportanceModel {
  const left = IMPORTANCE_LABELS;
  const right = width - 56;
  return {
    width,
    height: MARGIN.top + params.length * IMPORTANCE_ROW + MARGIN.bottom,
    left,
    right,
    bars: params.map((p, i) => ({
      name: p.name,
      importance: p.importance,
      y: MARGIN.top + i * IMPORTANCE_ROW + 4,
      width: Math.max(0, Math.min(1, p.importance)) * (right - left),
      label: p.importance.toFixed(3),
    })),
  };
}

/** Redraws the importance bars into `svg`. */
export function renderImportances(svg: SVGSVGElement, params: readonly ParamImportance[]): void {
  const m = importanceModel(params, Math.max(300, Math.min(760, svg.clientWidth || 640)));
  svg.setAttribute('viewBox', `0 0 ${m.width} ${m.height}`);
  const bottom = m.height - MARGIN.bottom;
  const parts: SVGElement[] = [];
  for (let i = 0; i <= 4; i++) {
    const x = m.left + (i / 4) * (m.right - m.left);
    parts.push(el('line', { x1: x, x2: x, y1: MARGIN.top, y2: bottom, class: 'grid' }));
    parts.push(el('text', { x, y: bottom + 16, 'text-anchor': 'middle' }, String(i / 4)));
  }
  const h = IMPORTANCE_ROW - 8;
  for (const [i, b] of m.bars.entries()) {
    const p = params[i]!;
    const g = el('g', { class: 'bar', 'data-param': b.name });
    g.append(
      el('text', { x: m.left - 8, y: b.y + h / 2 + 4, 'text-anchor': 'end' }, b.name),
      el('rect', { x: m.left, y: b.y, width: b.width, height: h }),
      el('text', { x: m.left + b.width + 6, y: b.y + h / 2 + 4 }, b.label),
      el('title', {}, `${b.name}: first-order ${p.first.toFixed(3)}, total ${p.total.toFixed(3)}`),
    );
    parts.push(g);
  }
  parts.push(el('line', { x1: m.left, x2: m.left, y1: MARGIN.top, y2: bottom, class: 'axis' }));
  svg.replaceChildren(...parts);
}
