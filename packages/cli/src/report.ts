import {
  type ImportanceReport,
  importanceCaveats,
  importancePlan,
  importanceReport,
  thinByNumber,
} from '@webtune/analysis';
import { bestTrialOf } from '@webtune/core';
import type { SpaceJSON } from '@webtune/space';

/** One trial as the study JSON holds it. */
export interface ReportTrial {
  number: number;
  params: Readonly<Record<string, number | string | boolean>>;
  value?: number | null | undefined;
  state: string;
  error?: string | undefined;
  intermediate?: readonly { step: number; value: number }[] | undefined;
  userAttrs?: Readonly<Record<string, unknown>> | undefined;
  startedAt?: number | null | undefined;
  durationMs?: number | null | undefined;
}

/** A parameter definition as it appears in the space JSON (`@webtune/space`'s SpaceJSON). */
interface ReportParam {
  type: string;
  low?: number;
  high?: number;
  log?: boolean;
  choices?: readonly (number | string | boolean)[];
}

/** The study JSON the CLI writes with `--out` (core's `study.toJSON()`), as the report reads it. */
export interface StudyJSON {
  direction: string;
  strategy?: string | undefined;
  seed?: number | undefined;
  /** Parameter name → definition; used for axis ranges and choice order. Inferred from the trials when absent. */
  space?: Readonly<Record<string, unknown>> | undefined;
  trials: readonly ReportTrial[];
  best?: unknown;
}

const WIDTH = 960;
const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

const esc = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function fmt(v: unknown): string {
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5)
    ? v.toExponential(3).replace(/\.?0+e/, 'e')
    : String(Number(v.toPrecision(5)));
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Viridis colour for t in [0, 1] (1 = best). */
function color(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = hexToRgb(VIRIDIS[i]!);
  const b = hexToRgb(VIRIDIS[i + 1]!);
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return `rgb(${c.join(',')})`;
}

/** A linear (or log) map from [lo, hi] to [a, b], with "nice" tick values. */
function scale(lo: number, hi: number, a: number, b: number, log = false) {
  const tf = (v: number) => (log ? Math.log10(v) : v);
  let l = tf(lo);
  let h = tf(hi);
  if (!(h > l)) {
    const pad = Math.abs(l) * 0.05 || 0.5;
    l -= pad;
    h += pad;
  }
  const map = (v: number) => a + ((tf(v) - l) / (h - l)) * (b - a);
  const ticks = (): number[] => {
    if (log) {
      const mantissas = h - l < 2.5 ? [1, 2, 5] : [1];
      const out: number[] = [];
      for (let e = Math.floor(l); e <= Math.ceil(h); e++) {
        for (const m of mantissas) {
          const v = Number((m * 10 ** e).toPrecision(6));
          const lv = Math.log10(v);
          if (lv >= l - 1e-9 && lv <= h + 1e-9) out.push(v);
        }
      }
      return out.length >= 2 ? out : [10 ** l, 10 ** h];
    }
    const raw = (h - l) / 5;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
    // start + k·step, not v += step: a step below half an ulp of the values (0.3 vs 0.1 + 0.2)
    // would never move v. Ticks that print alike collapse into one.
    const start = Math.ceil(l / step) * step;
    const out = new Set<number>();
    for (let k = 0; k <= 10 && start + k * step <= h + step * 1e-9; k++) {
      out.add(Number((start + k * step).toPrecision(12)));
    }
    return [...out];
  };
  return { map, ticks };
}

/** [lo, hi] widened by 5% each side so points do not sit on the frame. */
function padded(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

const finiteValue = (t: ReportTrial): t is ReportTrial & { value: number } =>
  typeof t.value === 'number' && Number.isFinite(t.value);

/** A chart section: title, the note (HTML), one highlighted paragraph per warning (text), the SVG; `attrs` go on the section. */
function frame(
  id: string,
  title: string,
  height: number,
  body: string,
  note = '',
  { warnings = [], attrs = '' }: { warnings?: readonly string[]; attrs?: string } = {},
): string {
  const warn = warnings.map((w) => `<p class="warn">${esc(w)}</p>`).join('');
  return `<section class="chart" id="${id}"${attrs}><h2>${esc(title)}</h2>${note ? `<p class="note">${note}</p>` : ''}${warn}<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(title)}">${body}</svg></section>`;
}

function axisY(
  ticks: number[],
  map: (v: number) => number,
  x: number,
  x2: number,
  label: string,
): string {
  const lines = ticks
    .map(
      (t) =>
        `<line x1="${x}" x2="${x2}" y1="${map(t)}" y2="${map(t)}" class="grid"/><text x="${x - 6}" y="${map(t) + 4}" text-anchor="end">${esc(fmt(t))}</text>`,
    )
    .join('');
  return `${lines}<text x="14" y="${(map(ticks[0]!) + map(ticks.at(-1)!)) / 2}" transform="rotate(-90 14 ${(map(ticks[0]!) + map(ticks.at(-1)!)) / 2})" text-anchor="middle" class="label">${esc(label)}</text>`;
}

/** Objective value per trial (by trial number) with the best-so-far line. */
function historyChart(trials: readonly ReportTrial[], maximize: boolean): string {
  const H = 360;
  const [left, right, top, bottom] = [70, WIDTH - 20, 34, H - 45];
  const withValue = trials.filter(finiteValue);
  if (withValue.length === 0) {
    return frame(
      'history',
      'Optimisation history',
      60,
      '<text x="20" y="35">no trial reported a value</text>',
    );
  }
  const values = withValue.map((t) => t.value);
  const ys = scale(...padded(values), bottom, top);
  const maxN = Math.max(1, ...trials.map((t) => t.number));
  const xs = scale(0, maxN, left, right);
  const yTicks = ys.ticks();
  const xTicks = xs.ticks().filter((v) => Number.isInteger(v));
  let out = axisY(yTicks, ys.map, left, right, 'objective value');
  out += xTicks
    .map(
      (t) =>
        `<text x="${xs.map(t)}" y="${bottom + 18}" text-anchor="middle">${t}</text><line x1="${xs.map(t)}" x2="${xs.map(t)}" y1="${bottom}" y2="${bottom + 4}" class="axis"/>`,
    )
    .join('');
  out += `<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" class="axis"/><text x="${(left + right) / 2}" y="${H - 8}" text-anchor="middle" class="label">trial</text>`;
  // Best-so-far over complete trials only, as a step line in trial order.
  const sorted = [...trials].sort((a, b) => a.number - b.number);
  let best: number | undefined;
  const steps: string[] = [];
  for (const t of sorted) {
    if (t.state === 'complete' && finiteValue(t)) {
      const prev = best;
      best =
        best === undefined ? t.value : maximize ? Math.max(best, t.value) : Math.min(best, t.value);
      if (prev !== undefined && best !== prev) steps.push(`${xs.map(t.number)},${ys.map(prev)}`);
      steps.push(`${xs.map(t.number)},${ys.map(best)}`);
    }
  }
  if (best !== undefined) steps.push(`${xs.map(maxN)},${ys.map(best)}`);
  out += `<polyline class="best" points="${steps.join(' ')}"/>`;
  out += withValue
    .map(
      (t) =>
        `<circle class="trial ${esc(t.state)}" data-trial="${t.number}" cx="${xs.map(t.number)}" cy="${ys.map(t.value)}" r="4.5"><title>trial ${t.number} (${esc(t.state)}): ${esc(fmt(t.value))}</title></circle>`,
    )
    .join('');
  const failed = trials.filter((t) => !finiteValue(t));
  out += failed
    .map(
      (t) =>
        `<text class="failedmark" x="${xs.map(t.number)}" y="${bottom - 4}" text-anchor="middle">×<title>trial ${t.number} (${esc(t.state)})${t.error ? `: ${esc(t.error)}` : ''}</title></text>`,
    )
    .join('');
  const legend = `<g transform="translate(${right - 330},12)"><circle class="trial complete" cx="6" cy="0" r="4.5"/><text x="16" y="4">complete</text><circle class="trial pruned" cx="86" cy="0" r="4.5"/><text x="96" y="4">pruned</text><text class="failedmark" x="160" y="5">×</text><text x="172" y="4">failed</text><line class="best" x1="220" x2="245" y1="0" y2="0"/><text x="251" y="4">best so far</text></g>`;
  return frame('history', 'Optimisation history', H, out + legend);
}

interface Axis {
  /** The label drawn over the axis. */
  name: string;
  /** The parameter the axis plots (undefined for the objective). */
  param?: string;
  /** Maps a value to [0, 1] (0 = bottom); undefined when the value does not fit the axis. */
  pos: (v: unknown) => number | undefined;
  ticks: { at: number; label: string }[];
}

function paramAxis(name: string, def: ReportParam | undefined, seen: unknown[]): Axis {
  const present = seen.filter((v) => v !== undefined);
  const numeric = present.every((v) => typeof v === 'number');
  if (def?.type === 'categorical' || !numeric || (def === undefined && present.length === 0)) {
    const choices: unknown[] = def?.choices ? [...def.choices] : [];
    for (const v of present) if (!choices.includes(v)) choices.push(v);
    const at = (i: number) => (choices.length === 1 ? 0.5 : i / (choices.length - 1));
    return {
      name,
      param: name,
      pos: (v) => {
        const i = choices.indexOf(v);
        return i < 0 ? undefined : at(i);
      },
      ticks: choices.map((c, i) => ({ at: at(i), label: fmt(c) })),
    };
  }
  const nums = present as number[];
  const lo = def?.low ?? Math.min(...nums);
  const hi = def?.high ?? Math.max(...nums);
  const log = def?.log === true && lo > 0;
  const s = scale(lo, hi, 0, 1, log);
  const ticks = s
    .ticks()
    .filter((t) => s.map(t) >= -1e-9 && s.map(t) <= 1 + 1e-9)
    .map((t) => ({ at: s.map(t), label: fmt(t) }));
  return {
    name: log ? `${name} (log)` : name,
    param: name,
    pos: (v) => (typeof v === 'number' ? s.map(v) : undefined),
    ticks,
  };
}

/** One polyline per trial with a value across one axis per parameter plus the objective. */
function parallelChart(
  trials: readonly ReportTrial[],
  space: Record<string, ReportParam> | undefined,
  maximize: boolean,
): string {
  const H = 400;
  const [top, bottom] = [40, H - 30];
  const rows = trials.filter(finiteValue).sort((a, b) => a.number - b.number);
  const names = space ? Object.keys(space) : [];
  for (const t of trials)
    for (const k of Object.keys(t.params)) if (!names.includes(k)) names.push(k);
  if (rows.length === 0 || names.length === 0) {
    return frame(
      'parallel',
      'Parallel coordinates',
      60,
      '<text x="20" y="35">nothing to plot</text>',
    );
  }
  const values = rows.map((t) => t.value);
  const axes = names.map((n) =>
    paramAxis(
      n,
      space?.[n],
      rows.map((t) => t.params[n]),
    ),
  );
  const vs = scale(...padded(values), 0, 1);
  axes.push({
    name: 'objective',
    pos: (v) => (typeof v === 'number' ? vs.map(v) : undefined),
    ticks: vs.ticks().map((t) => ({ at: vs.map(t), label: fmt(t) })),
  });
  const left = 80;
  const gap = (WIDTH - left - 70) / Math.max(1, axes.length - 1);
  const ax = (i: number) => left + i * gap;
  const ay = (p: number) => bottom - p * (bottom - top);
  // Colour by rank, not value, so one diverged trial does not paint every other line the same.
  const ordered = [...rows].sort((a, b) => (maximize ? a.value - b.value : b.value - a.value));
  const rank = new Map<ReportTrial, number>(
    ordered.map((t, i) => [t, ordered.length === 1 ? 1 : i / (ordered.length - 1)]),
  );
  const goodness = (t: ReportTrial) => rank.get(t) ?? 0;
  let out = ordered
    .map((t) => {
      const pts: string[] = [];
      axes.forEach((axis, i) => {
        const p = axis.pos(axis.param === undefined ? t.value : t.params[axis.param]);
        if (p !== undefined) pts.push(`${ax(i).toFixed(1)},${ay(p).toFixed(1)}`);
      });
      const dash = t.state === 'complete' ? '' : ' stroke-dasharray="4 3"';
      return `<polyline class="pc" data-trial="${t.number}" points="${pts.join(' ')}" stroke="${color(goodness(t))}"${dash}><title>trial ${t.number} (${esc(t.state)}): ${esc(fmt(t.value))} | ${esc(
        Object.entries(t.params)
          .map(([k, v]) => `${k}=${fmt(v)}`)
          .join(' '),
      )}</title></polyline>`;
    })
    .join('');
  out += axes
    .map((axis, i) => {
      const x = ax(i);
      const ticks = axis.ticks
        .map(
          (t) =>
            `<line x1="${x - 4}" x2="${x}" y1="${ay(t.at)}" y2="${ay(t.at)}" class="axis"/><text x="${x - 7}" y="${ay(t.at) + 4}" text-anchor="end" class="tick">${esc(t.label)}</text>`,
        )
        .join('');
      return `<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" class="axis"/>${ticks}<text x="${x}" y="${top - 14}" text-anchor="middle" class="label">${esc(axis.name)}</text>`;
    })
    .join('');
  return frame(
    'parallel',
    'Parallel coordinates',
    H,
    out,
    `One line per trial with a value; colour by rank from worst (purple) to best (yellow); dashed = pruned.`,
  );
}

/** Intermediate values (e.g. validation accuracy per epoch) of every trial that reported any. */
function intermediateChart(trials: readonly ReportTrial[]): string {
  const withCurves = trials.filter((t) => (t.intermediate?.length ?? 0) > 0);
  if (withCurves.length === 0) return '';
  const H = 340;
  const [left, right, top, bottom] = [70, WIDTH - 20, 20, H - 45];
  const pts = withCurves.flatMap((t) => t.intermediate!.filter((p) => Number.isFinite(p.value)));
  const xs = scale(
    Math.min(...pts.map((p) => p.step)),
    Math.max(...pts.map((p) => p.step)),
    left,
    right,
  );
  const ys = scale(...padded(pts.map((p) => p.value)), bottom, top);
  let out = axisY(ys.ticks(), ys.map, left, right, 'intermediate value');
  out += xs
    .ticks()
    .map(
      (t) => `<text x="${xs.map(t)}" y="${bottom + 18}" text-anchor="middle">${esc(fmt(t))}</text>`,
    )
    .join('');
  out += `<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" class="axis"/><text x="${(left + right) / 2}" y="${H - 8}" text-anchor="middle" class="label">step</text>`;
  out += withCurves
    .map((t) => {
      const line = t
        .intermediate!.filter((p) => Number.isFinite(p.value))
        .map((p) => `${xs.map(p.step).toFixed(1)},${ys.map(p.value).toFixed(1)}`)
        .join(' ');
      return `<polyline class="curve ${esc(t.state)}" data-trial="${t.number}" points="${line}"><title>trial ${t.number} (${esc(t.state)})</title></polyline>`;
    })
    .join('');
  return frame(
    'intermediate',
    'Intermediate values',
    H,
    out,
    'Values reported with trial.report(step, value); pruned trials in red.',
  );
}

/** Complete trials above this are thinned (evenly by trial number) before the importance fit, which is O(n³). */
const IMPORTANCE_MAX_TRIALS = 300;

/**
 * What {@link studyImportances} found: @webtune/analysis's `importanceReport` (ranking, `explained`,
 * `fitR2`, `used` of `complete` trials) plus the numbers of the trials fitted; or why there is none.
 */
export type StudyImportances =
  | (ImportanceReport & { numbers: readonly number[]; samples: number })
  | { skipped: string };

/**
 * `importanceReport` (measure 'auto': by total index when single parameters explain < 0.5) of the
 * complete trials, thinned evenly by number to at most 300 (`thinByNumber`; the fit is O(n³)),
 * within `importancePlan`'s default budget (about 5 s and 256 MiB): fewer Monte Carlo samples
 * (down to 1024) or trials (down to 50) when a wide space needs it, else skipped with the reason.
 * Needs the space and ≥ 2 complete trials; otherwise, or when the analysis refuses the data,
 * `skipped` says why in one sentence. Shared by the report and `webtune run` / `report`.
 */
export function studyImportances(
  trials: readonly ReportTrial[],
  space: Readonly<Record<string, unknown>> | undefined,
): StudyImportances {
  const complete = trials.filter((t) => t.state === 'complete' && finiteValue(t));
  if (complete.length < 2) {
    return { skipped: `Needs at least 2 complete trials (this study has ${complete.length}).` };
  }
  if (space === undefined) return { skipped: 'The study JSON holds no space to sample.' };
  try {
    // Bounded: a wide space or a huge categorical is ranked with fewer samples or trials, or
    // skipped with the reason, instead of taking minutes and gigabytes.
    const plan = importancePlan(space as unknown as SpaceJSON, complete.length, {
      maxTrials: IMPORTANCE_MAX_TRIALS,
    });
    if ('skipped' in plan) return { skipped: plan.skipped };
    const used = thinByNumber(complete, plan.maxTrials);
    const found = importanceReport(used, space as unknown as SpaceJSON, {
      measure: 'auto',
      samples: plan.samples,
    });
    return {
      ...found,
      complete: complete.length,
      numbers: used.map((t) => t.number),
      samples: plan.samples,
    };
  } catch (e) {
    return { skipped: `Not computed: ${(e as Error).message}` };
  }
}

/**
 * Horizontal bars of each parameter's importance (first-order Sobol index of a GP fitted to the
 * complete trials, normalised to sum 1, or the total index when interactions dominate;
 * @webtune/analysis), most important on top, with the caveats above the bars. The fitted trials'
 * numbers are in the section's `data-trials`. Needs the space and ≥ 2 complete trials; otherwise,
 * or when the analysis refuses the data, one line saying why.
 */
function importanceChart(
  trials: readonly ReportTrial[],
  space: Record<string, ReportParam> | undefined,
): string {
  const found = studyImportances(trials, space);
  if ('skipped' in found) {
    return `<section class="chart" id="importance"><h2>Importance</h2><p class="note">${esc(found.skipped)}</p></section>`;
  }
  const { params: ranked, used, complete, measure } = found;
  const row = 30;
  const [left, right, top] = [170, WIDTH - 80, 14];
  const bottom = top + ranked.length * row;
  const H = bottom + 40;
  const xs = scale(0, 1, left, right);
  let out = xs
    .ticks()
    .map(
      (t) =>
        `<line x1="${xs.map(t)}" x2="${xs.map(t)}" y1="${top}" y2="${bottom}" class="grid"/><text x="${xs.map(t)}" y="${bottom + 16}" text-anchor="middle">${esc(fmt(t))}</text>`,
    )
    .join('');
  out += ranked
    .map((p, i) => {
      const y = top + i * row;
      const w = xs.map(p.importance) - left;
      return `<g class="imp" data-param="${esc(p.name)}"><text x="${left - 8}" y="${y + row / 2 + 4}" text-anchor="end" class="label">${esc(p.name)}</text><rect x="${left}" y="${y + 5}" width="${w.toFixed(1)}" height="${row - 10}" fill="${color(p.importance)}"><title>${esc(p.name)}: importance ${esc(fmt(p.importance))}, first-order ${esc(fmt(p.first))}, total ${esc(fmt(p.total))}</title></rect><text x="${left + w + 6}" y="${y + row / 2 + 4}">${esc(p.importance.toFixed(3))}</text></g>`;
    })
    .join('');
  const axis =
    measure === 'first'
      ? 'importance (share of the variance explained alone, sums to 1)'
      : 'importance (total index, with interactions, normalised to sum 1)';
  out += `<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" class="axis"/><text x="${(left + right) / 2}" y="${H - 6}" text-anchor="middle" class="label">${axis}</text>`;
  const of =
    used < complete
      ? `${used} of the ${complete} complete trials (evenly by number)`
      : `the ${complete} complete trials`;
  const index =
    measure === 'first'
      ? "each parameter's first-order Sobol index, normalised; hover for the total index (with interactions)"
      : "each parameter's total Sobol index (with its interactions), normalised; hover for the first-order index";
  const warnings = importanceCaveats(found).map(
    (c) => `${c.charAt(0).toUpperCase()}${c.slice(1)}.`,
  );
  return frame('importance', 'Importance', H, out, `fANOVA of a GP fitted to ${of}: ${index}.`, {
    warnings,
    attrs: ` data-trials="${found.numbers.join(' ')}"`,
  });
}

function trialTable(trials: readonly ReportTrial[], best: ReportTrial | undefined): string {
  const params: string[] = [];
  const attrs: string[] = [];
  for (const t of trials) {
    for (const k of Object.keys(t.params)) if (!params.includes(k)) params.push(k);
    for (const [k, v] of Object.entries(t.userAttrs ?? {})) {
      if (['number', 'string', 'boolean'].includes(typeof v) && !attrs.includes(k)) attrs.push(k);
    }
  }
  const head = ['#', 'state', 'value', ...params, ...attrs, 'seconds']
    .map((h) => `<th>${esc(h)}</th>`)
    .join('');
  const body = [...trials]
    .sort((a, b) => a.number - b.number)
    .map((t) => {
      const cells = [
        t.number,
        t.state,
        t.value ?? (t.error ? `error: ${t.error}` : ''),
        ...params.map((p) => t.params[p] ?? ''),
        ...attrs.map((a) => t.userAttrs?.[a] ?? ''),
        t.durationMs == null ? '' : (t.durationMs / 1000).toFixed(2),
      ];
      return `<tr class="${esc(t.state)}${t === best ? ' best' : ''}" data-trial="${t.number}">${cells.map((c) => `<td>${esc(fmt(c))}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<section><h2>Trials</h2><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></section>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;color:#1d1d1f;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 6px}.meta{color:#666;margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:20px}.card span{color:#666;font-size:12px}
.note{color:#666;margin:0 0 4px;font-size:12px}.warn{color:#8a4b00;background:#fff4e0;border-left:3px solid #e08a00;margin:4px 0;padding:4px 8px;font-size:13px}svg{max-width:100%;height:auto;background:#fff}
svg text{font-size:11px;fill:#444}svg .tick{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}svg .label{font-size:12px;fill:#222;font-weight:600}
.grid{stroke:#eee}.axis{stroke:#999}.best{fill:none;stroke:#d62728;stroke-width:2}
.trial.complete{fill:#1f77b4;fill-opacity:.8}.trial.pruned{fill:#aaa}.trial.failed{fill:#d62728}.failedmark{fill:#d62728;font-size:14px}
.pc{fill:none;stroke-width:1.6;stroke-opacity:.75}.pc:hover{stroke-width:3.5;stroke-opacity:1}
.curve{fill:none;stroke:#1f77b4;stroke-opacity:.55;stroke-width:1.3}.curve.pruned{stroke:#d62728}.curve:hover{stroke-width:3;stroke-opacity:1}
table{border-collapse:collapse;font-size:12px;width:100%}th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:right}
th{background:#fafafa;position:sticky;top:0}tr.best td{background:#fff7d6;font-weight:600}tr.failed td{color:#b00}tr.pruned td{color:#888}`;

/**
 * A self-contained HTML report of a study (inline CSS and SVG, no executable script, nothing fetched when
 * viewed): summary cards, optimisation history with best-so-far, parallel coordinates, intermediate
 * values when trials reported any, parameter importance (or a line saying why not), and a table of
 * every trial with its user attributes.
 */
export function renderReport(result: StudyJSON): string {
  const maximize = result.direction === 'maximize';
  const trials = result.trials;
  const space = result.space as Record<string, ReportParam> | undefined;
  const best = bestTrialOf(trials, maximize ? 'maximize' : 'minimize');
  const counts: Record<string, number> = {};
  for (const t of trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
  const totalMs = trials.reduce((s, t) => s + (t.durationMs ?? 0), 0);
  const cards: [string, string][] = [
    [best ? fmt(best.value) : '—', `best value (${maximize ? 'max' : 'min'})`],
    [best ? `#${best.number}` : '—', 'best trial'],
    ...(typeof best?.userAttrs?.testAccuracy === 'number'
      ? [[fmt(best.userAttrs.testAccuracy), 'test accuracy of the best trial'] as [string, string]]
      : []),
    [String(trials.length), 'trials'],
    [
      Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', '),
      'states',
    ],
    [`${(totalMs / 1000).toFixed(1)} s`, 'trial time (sum)'],
  ];
  const bestAttrs = best
    ? Object.entries({ ...best.params, ...(best.userAttrs ?? {}) })
        .filter(([, v]) => ['number', 'string', 'boolean'].includes(typeof v))
        .map(([k, v]) => `<code>${esc(k)}=${esc(fmt(v))}</code>`)
        .join(' ')
    : '';
  const title = `webtune report${result.strategy ? ` — ${result.strategy}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">direction ${esc(result.direction)}${result.strategy ? ` · strategy ${esc(result.strategy)}` : ''}${result.seed === undefined ? '' : ` · seed ${esc(result.seed)}`} · ${trials.length} trials</p>
<div class="cards">${cards.map(([v, l]) => `<div class="card"><b>${esc(v)}</b><span>${esc(l)}</span></div>`).join('')}</div>
${best ? `<p>Best configuration: ${bestAttrs}</p>` : '<p>No trial completed.</p>'}
${historyChart(trials, maximize)}
${parallelChart(trials, space, maximize)}
${intermediateChart(trials)}
${importanceChart(trials, space)}
${trialTable(trials, best)}
<script type="application/json" id="study-data">${JSON.stringify(result).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}
