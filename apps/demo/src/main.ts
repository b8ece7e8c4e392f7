import type { SpaceJSON } from '@webtune/core';
import digitsUrl from '@webtune/harness/data/digits.csv.gz?url';
import { contourParams } from './chartData.js';
import type { Chart } from './charts.js';
import { EXAMPLES, findExample } from './examples.js';
import { fmtValue, objective } from './format.js';
import { contourGrid, importanceCompute } from './importanceClient.js';
import { createImportanceScheduler, IMPORTANCE_EVERY } from './importances.js';
import type { FromWorker, ToWorker } from './protocol.js';
import {
  CHOICES,
  DEFAULT_SETTINGS,
  type RawSettings,
  type RunSettings,
  type SettingName,
  settingsFromQuery,
  validateSettings,
} from './settings.js';
import { bestOf, initialState, probeAdapter, type RunState, toRow } from './state.js';
import {
  discardStudy,
  failRunning,
  listStudies,
  readTrials,
  type StoredStudy,
  setStoredTarget,
  studyName,
} from './stored.js';
import {
  columns,
  defaultView,
  fmtParam,
  STATES as TABLE_STATES,
  toCSV,
  toJSON,
  viewRows,
} from './table.js';
import { claimStudy, heldStudies, openChannel } from './tabs.js';

/*
 * The page: the form, the stored studies, the charts and the table. It never loads TF.js: the
 * study worker (created when a study starts) does. It reads stored studies itself, owns a
 * study through its Web Lock while its worker runs it, and tells other tabs what changed.
 */

const $ = <T extends Element>(selector: string): T => {
  const node = document.querySelector<T>(selector);
  if (!node) throw new Error(`demo: ${selector} is missing from index.html`);
  return node;
};

const form = $<HTMLFormElement>('#settings');
const startButton = $<HTMLButtonElement>('#start');
const stopButton = $<HTMLButtonElement>('#stop');
const resumeButton = $<HTMLButtonElement>('#resume');
const extendGroup = $<HTMLSpanElement>('#extend-group');
const extendBy = $<HTMLInputElement>('#extend-by');
const extendButton = $<HTMLButtonElement>('#extend');
const thead = $<HTMLTableSectionElement>('#trials thead');
const tbody = $<HTMLTableSectionElement>('#trials tbody');
const storedList = $<HTMLUListElement>('#stored');
const announcer = $<HTMLDivElement>('#announce');
const confirmDialog = $<HTMLDialogElement>('#confirm');

/** localStorage key of the study the page showed last, reopened on the next load. */
const LAST_KEY = 'webtune-demo-last';
/** How long Stop waits for the worker to stop between batches before ending it. */
const STOP_GRACE_MS = 150;

const state = initialState();
/** The study shown (running here, opened from storage, or finished), by database name. */
let shown: string | null = null;
/** This tab's run: the study it holds and how to give it back. */
let owned: { name: string; release: () => Promise<void> } | null = null;

function field(name: SettingName): HTMLInputElement | HTMLSelectElement {
  return form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
}

function setupForm(): void {
  const titles: Record<string, string> = Object.fromEntries(EXAMPLES.map((e) => [e.id, e.title]));
  for (const [name, values] of Object.entries(CHOICES)) {
    (field(name as SettingName) as HTMLSelectElement).replaceChildren(
      ...values.map((v) => new Option(titles[v] ?? v, v)),
    );
  }
  const { raw, notes } = settingsFromQuery(location.search);
  fillForm(raw);
  state.notes = notes;
  const box = $<HTMLDivElement>('#url-notes');
  box.hidden = notes.length === 0;
  box
    .querySelector('ul')
    ?.replaceChildren(
      ...notes.map((n) => Object.assign(document.createElement('li'), { textContent: n })),
    );
  const syncBayes = () => form.classList.toggle('no-bayes', field('strategy').value !== 'bayesian');
  field('strategy').addEventListener('change', syncBayes);
  form.addEventListener('input', (event) => {
    clearError(event.target as HTMLElement);
    renderButtons();
  });
  form.addEventListener('change', () => renderButtons());
  syncBayes();
}

function fillForm(settings: RawSettings | RunSettings): void {
  for (const [key, value] of Object.entries(settings)) {
    field(key as SettingName).value = String(value);
    clearError(field(key as SettingName));
  }
  form.classList.toggle('no-bayes', field('strategy').value !== 'bayesian');
}

function readForm(): RawSettings {
  const raw: RawSettings = {};
  for (const key of Object.keys(DEFAULT_SETTINGS) as SettingName[]) raw[key] = field(key).value;
  return raw;
}

function clearError(input: HTMLElement): void {
  if (!(input instanceof HTMLInputElement || input instanceof HTMLSelectElement)) return;
  input.removeAttribute('aria-invalid');
  input.removeAttribute('aria-describedby');
  input.closest('.field')?.querySelector('.field-error')?.remove();
}

/** Shows each message beside its field, flags the field and focuses the first. */
function showErrors(errors: Partial<Record<SettingName, string>>): void {
  let first: HTMLElement | null = null;
  for (const key of Object.keys(DEFAULT_SETTINGS) as SettingName[]) {
    const input = field(key);
    clearError(input);
    const message = errors[key];
    if (!message) continue;
    const id = `${input.id}-error`;
    const p = Object.assign(document.createElement('p'), {
      id,
      className: 'field-error',
      textContent: message,
    });
    input.closest('.field')?.append(p);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', id);
    first ??= input;
  }
  first?.focus();
}

/** Says `text` through the live region (state changes only, never every epoch). */
function announce(text: string): void {
  state.announced.push(text);
  announcer.textContent = text;
}

const pct = fmtValue;

// ---- the trials table ----------------------------------------------------------------------------

const tableView = defaultView();

/** A study opened from a dropped file (read-only), while it is shown. */
let foreign: { file: string; space: SpaceJSON; seed: number } | null = null;

function currentSpace(): SpaceJSON {
  return foreign?.space ?? findExample(state.settings?.example ?? field('example').value).space;
}

function currentEpochs(): number {
  return state.settings?.epochs ?? Math.max(1, ...state.trials.map((r) => r.curve.length));
}

/** Back to the demo's own objective (after a dropped study was shown). */
function leaveForeign(): void {
  foreign = null;
  Object.assign(objective, { label: 'validation accuracy', percent: true, direction: 'maximize' });
}

function paramNames(): string[] {
  return Object.keys(currentSpace());
}

function setupTable(): void {
  const states = $<HTMLFieldSetElement>('#state-filter');
  for (const st of TABLE_STATES) {
    const label = Object.assign(document.createElement('label'), { className: 'inline' });
    const box = Object.assign(document.createElement('input'), {
      type: 'checkbox',
      checked: true,
      value: st,
    });
    box.addEventListener('change', () => {
      if (box.checked) tableView.states.add(st);
      else tableView.states.delete(st);
      renderTable();
    });
    label.append(box, ` ${st}`);
    states.append(label);
  }
  const onRange = () => {
    const param = $<HTMLSelectElement>('#range-param').value;
    const num = (id: string) => {
      const v = $<HTMLInputElement>(id).value.trim();
      return v === '' || !Number.isFinite(Number(v)) ? null : Number(v);
    };
    const [min, max] = [num('#range-min'), num('#range-max')];
    tableView.range = param && (min !== null || max !== null) ? { param, min, max } : null;
    renderTable();
  };
  for (const id of ['#range-param', '#range-min', '#range-max']) {
    $<HTMLElement>(id).addEventListener('input', onRange);
  }
  const download = (text: string, type: string, ext: string) => {
    const a = Object.assign(document.createElement('a'), {
      href: URL.createObjectURL(new Blob([text], { type })),
      download: `webtune-trials.${ext}`,
    });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const shownRows = () => viewRows(state.trials, columns(paramNames()), tableView);
  $<HTMLButtonElement>('#export-csv').addEventListener('click', () =>
    download(toCSV(shownRows(), paramNames()), 'text/csv', 'csv'),
  );
  $<HTMLButtonElement>('#export-json').addEventListener('click', () =>
    download(toJSON(shownRows()), 'application/json', 'json'),
  );
}

/** Range-filter and column choices follow the example's parameters. */
function syncTableTools(names: readonly string[]): void {
  const select = $<HTMLSelectElement>('#range-param');
  const space = currentSpace();
  const numeric = names.filter((n) => space[n]?.type !== 'categorical');
  if (Array.from(select.options, (o) => o.value).join() !== ['', ...numeric].join()) {
    select.replaceChildren(new Option('(none)', ''), ...numeric.map((n) => new Option(n, n)));
  }
  const list = $<HTMLDivElement>('#column-list');
  const cols = columns(names);
  if (list.dataset.keys !== cols.map((c) => c.key).join()) {
    list.dataset.keys = cols.map((c) => c.key).join();
    list.replaceChildren(
      ...cols.slice(1).map((c) => {
        const label = Object.assign(document.createElement('label'), { className: 'inline' });
        const box = Object.assign(document.createElement('input'), {
          type: 'checkbox',
          checked: !tableView.hidden.has(c.key),
        });
        box.addEventListener('change', () => {
          if (box.checked) tableView.hidden.delete(c.key);
          else tableView.hidden.add(c.key);
          renderTable();
        });
        label.append(box, ` ${c.label}`);
        return label;
      }),
    );
  }
}

function renderTable(): void {
  const names = paramNames();
  syncTableTools(names);
  const epochs = state.settings?.epochs;
  const cols = columns(names).filter((c) => !tableView.hidden.has(c.key));
  const rows = viewRows(state.trials, columns(names), tableView);
  const bestNumber = state.best?.number;
  $<HTMLParagraphElement>('#table-count').textContent = state.trials.length
    ? `${rows.length} of ${state.trials.length} trials shown`
    : '';
  const tr = document.createElement('tr');
  tr.append(
    ...cols.map((c) => {
      const th = Object.assign(document.createElement('th'), { scope: 'col' });
      const sorted = tableView.sort.key === c.key;
      th.setAttribute(
        'aria-sort',
        sorted ? (tableView.sort.dir === 1 ? 'ascending' : 'descending') : 'none',
      );
      const b = Object.assign(document.createElement('button'), {
        type: 'button',
        className: 'sort',
        textContent: `${c.label}${sorted ? (tableView.sort.dir === 1 ? ' ▲' : ' ▼') : ''}`,
      });
      b.addEventListener('click', () => {
        tableView.sort = { key: c.key, dir: sorted ? (-tableView.sort.dir as 1 | -1) : 1 };
        renderTable();
        thead
          .querySelector<HTMLButtonElement>(`th:nth-child(${cols.indexOf(c) + 1}) button`)
          ?.focus();
      });
      th.append(b);
      return th;
    }),
  );
  thead.replaceChildren(tr);
  tbody.replaceChildren(
    ...rows.map((r) => {
      const row = document.createElement('tr');
      row.dataset.state = r.state;
      if (r.number === bestNumber) row.className = 'best';
      row.append(
        ...cols.map((c) => {
          const td = document.createElement('td');
          if (c.key === 'number') {
            const b = Object.assign(document.createElement('button'), {
              type: 'button',
              className: 'link',
              textContent: String(r.number),
            });
            b.setAttribute('aria-label', `Trial ${r.number} details`);
            b.addEventListener('click', () => showTrial(r.number));
            td.append(b);
          } else td.textContent = c.text(r, epochs);
          if (c.key === 'state') td.className = `state-${r.state}`;
          return td;
        }),
      );
      return row;
    }),
  );
}

/** The trial detail view: every parameter and value, its learning curve and its error in full. */
function showTrial(number: number): void {
  const r = state.trials.find((t) => t.number === number);
  if (!r) return;
  $<HTMLHeadingElement>('#detail-title').textContent = `Trial ${r.number} — ${r.state}`;
  const entries: [string, string][] = [
    ...Object.entries(r.params).map(([k, v]): [string, string] => [k, fmtParam(v)]),
    [objective.label, pct(r.valAccuracy)],
    ['test accuracy', pct(r.testAccuracy)],
    ['epochs', `${r.epochs} of ${currentEpochs()}`],
    ['duration', r.durationMs === null ? '—' : `${(r.durationMs / 1000).toFixed(2)} s`],
    ['TF.js backend', r.tfBackend ?? '—'],
    ['per epoch', r.curve.map((v, i) => `${i + 1}: ${pct(v)}`).join(', ') || '—'],
  ];
  $<HTMLDListElement>('#detail-list').replaceChildren(
    ...entries.flatMap(([k, v]) => [
      Object.assign(document.createElement('dt'), { textContent: k }),
      Object.assign(document.createElement('dd'), { textContent: v }),
    ]),
  );
  const error = $<HTMLPreElement>('#detail-error');
  error.hidden = !r.error;
  error.textContent = r.error ? `Error: ${r.error}` : '';
  const curve = $<HTMLDivElement>('#detail-curve');
  curve.replaceChildren();
  if (r.curve.length && chartsModule) {
    void chartsModule.then((c) =>
      curve.replaceChildren(
        c.curvesChart(
          [r],
          Math.min(440, window.innerWidth - 80),
          state.settings?.epochs ?? r.epochs,
        ).svg,
      ),
    );
  }
  $<HTMLDialogElement>('#trial-detail').showModal();
}

/** "trial 3 of 12 · epoch 2/5", with counts by state. */
function progressLine(): string {
  const s = state.settings;
  const rows = state.trials;
  const count = (st: string) => rows.filter((r) => r.state === st).length;
  const finished = rows.length - count('running');
  const running = rows.filter((r) => r.state === 'running');
  const parts = [
    s ? `${finished} of ${s.trials} trials finished` : `${rows.length} trials`,
    ...running.map((r) => `trial ${r.number}: epoch ${r.epochs}/${currentEpochs()}`),
    `${count('complete')} complete, ${count('pruned')} pruned, ${count('failed')} failed`,
  ];
  return parts.join(' · ');
}

function renderProgress(): void {
  const text = $<HTMLParagraphElement>('#progress-text');
  const bar = $<HTMLProgressElement>('#progress');
  const phase = $<HTMLParagraphElement>('#phase');
  const s = state.settings;
  const listed = state.stored?.studies.find((x) => x.name === shown);
  const elsewhere = listed?.heldElsewhere === true && owned?.name !== shown;
  const st = state.state;
  text.textContent = foreign
    ? `Opened from the file “${foreign.file}” (read-only) — ${progressLine()}`
    : st === 'idle'
      ? 'No study open: choose settings and press Start, or open a stored study.'
      : st === 'error' && !s
        ? `Error: ${state.error}`
        : `${
            st === 'running'
              ? 'Running'
              : st === 'opened'
                ? elsewhere
                  ? 'Running in another tab'
                  : 'Stored'
                : st === 'done'
                  ? state.stopReason === 'aborted'
                    ? 'Stopped'
                    : 'Done'
                  : 'Error'
          } — ${progressLine()}${st === 'error' ? ` — ${state.error}` : ''}`;
  bar.hidden = !s;
  if (s) {
    const finished = state.trials.filter((r) => r.state !== 'running').length;
    const epochs = state.trials
      .filter((r) => r.state === 'running')
      .reduce((sum, r) => sum + r.epochs / s.epochs, 0);
    bar.max = s.trials;
    bar.value = Math.min(s.trials, finished + epochs);
  }
  phase.hidden = !state.phase;
  phase.textContent = state.phase ?? '';
  renderButtons();
}

/** The form's settings, if valid, and whether they name a stored study. */
function formStudy(): { settings: RunSettings; name: string; stored: StoredStudy | null } | null {
  const r = validateSettings(readForm());
  if (!r.settings) return null;
  const name = studyName(r.settings);
  return {
    settings: r.settings,
    name,
    stored: state.stored?.studies.find((x) => x.name === name) ?? null,
  };
}

function renderButtons(): void {
  const running = state.state === 'running';
  const listed = state.stored?.studies.find((x) => x.name === shown);
  const elsewhere = listed?.heldElsewhere === true && owned?.name !== shown;
  stopButton.hidden = !running;
  const target = state.settings?.trials ?? 0;
  const stored = state.trials.length;
  const canContinue = !running && shown !== null && state.settings !== null && !elsewhere;
  resumeButton.hidden = !(canContinue && stored < target && listed);
  resumeButton.textContent = `Resume: ${target - stored} more trial${target - stored === 1 ? '' : 's'} to reach ${target}`;
  extendGroup.hidden = !(canContinue && stored >= target && listed);
  startButton.disabled = running;
  const f = formStudy();
  startButton.textContent = f?.stored?.trials
    ? `Resume stored study (${f.stored.trials} trials)`
    : 'Start';
}

function renderStatus(): void {
  const stateEl = $<HTMLSpanElement>('#state');
  const running = state.state === 'running';
  const done = state.trials.filter((t) => t.state !== 'running').length;
  stateEl.textContent =
    state.state === 'error'
      ? `error: ${state.error}`
      : running
        ? `running (${done} of ${state.settings?.trials ?? '?'} trials finished)`
        : state.state === 'done'
          ? `done (${state.stopReason}; ${state.trials.length} trials)`
          : state.state === 'opened'
            ? `stored (${state.trials.length} trials)`
            : 'idle';
  stateEl.className = state.state;
  const a = state.adapter;
  $<HTMLSpanElement>('#adapter').textContent = !a
    ? 'probing…'
    : a.available
      ? `${a.vendor || '?'} / ${a.architecture || '?'}${a.description ? ` (${a.description})` : ''} — ${a.isFallbackAdapter ? 'fallback adapter (software)' : 'hardware adapter'}`
      : `none: ${a.reason}`;
  const settings = state.settings;
  $<HTMLSpanElement>('#tf').textContent = state.tfBackend
    ? `${state.tfBackend}${settings ? ` (asked for ${settings.tfBackend})` : ''}${
        state.tfSkipped.length ? ` — passed over ${state.tfSkipped.join('; ')}` : ''
      }`
    : '—';
  const gp = state.gp;
  $<HTMLSpanElement>('#gp').textContent = gp
    ? `${gp.name}${gp.sharedDevice ? ' on TF.js’s GPUDevice' : ''} (asked for ${gp.requested}) — ${gp.description}; ${gp.calls} scoring calls, ${gp.ms.toFixed(0)} ms`
    : settings && settings.strategy !== 'bayesian'
      ? `not used (${settings.strategy} search needs no surrogate)`
      : '—';
  const study = state.study;
  $<HTMLSpanElement>('#study').textContent = !study
    ? '—'
    : `${study.resumed ? `resumed with ${study.resumed} stored trials` : 'new'}${
        study.stale.length
          ? `; trial${study.stale.length > 1 ? 's' : ''} ${study.stale.join(', ')} had been running and ${study.stale.length > 1 ? 'are' : 'is'} now failed (stale)`
          : ''
      }${study.warnings.map((w) => `; warning: ${w}`).join('')} — IndexedDB "${study.name}"`;
  const best = state.best;
  $<HTMLSpanElement>('#best').textContent = best
    ? `trial ${best.number}: ${pct(best.value)} validation accuracy — ${Object.entries(best.params)
        .map(([k, v]) => `${k}=${fmtParam(v)}`)
        .join(', ')}`
    : '—';
}

/** One line of settings for the stored-studies list. */
function describe(s: RunSettings): string {
  const gp = s.strategy === 'bayesian' ? ` (GP ${s.gpBackend}, ${s.startupTrials} startup)` : '';
  return `${s.example}, ${s.strategy}${gp}, ${s.epochs} epochs, pruner ${s.pruner}, TF.js ${s.tfBackend}, seed ${s.seed}`;
}

function renderStored(): void {
  const stored = state.stored;
  const error = $<HTMLParagraphElement>('#stored-error');
  error.hidden = !stored?.error;
  error.textContent = stored?.error ?? '';
  const busy = state.state === 'running';
  const button = (text: string, label: string, onClick: () => void, disabled: boolean) => {
    const b = Object.assign(document.createElement('button'), {
      type: 'button',
      textContent: text,
      className: 'secondary',
    });
    b.setAttribute('aria-label', label);
    b.disabled = disabled;
    b.addEventListener('click', onClick);
    return b;
  };
  const item = (s: StoredStudy) => {
    const li = document.createElement('li');
    li.dataset.name = s.name;
    if (s.heldElsewhere) li.dataset.elsewhere = 'true';
    const text = document.createElement('span');
    text.className = 'stored-text';
    text.textContent = s.settings
      ? `${describe(s.settings)} — ${s.trials} of ${s.settings.trials} trials stored (${s.complete} complete${
          s.heldElsewhere
            ? ', running in another tab'
            : s.running
              ? `, ${s.running} left running: a resume fails ${s.running > 1 ? 'them' : 'it'} as stale`
              : ''
        })`
      : (s.error ?? s.name);
    if (s.error) text.classList.add('error');
    const settings = s.settings;
    const locked = busy || s.heldElsewhere;
    const what = settings ? describe(settings) : s.name;
    li.append(
      text,
      ...(settings
        ? [
            button('Open', `Open ${what}`, () => void openStudy(s.name), busy),
            button('Resume', `Resume ${what}`, () => void start(settings, s.name, true), locked),
          ]
        : []),
      button('Discard', `Discard ${what}`, () => void discard(s), locked),
    );
    return li;
  };
  storedList.replaceChildren(
    ...(stored === null
      ? [Object.assign(document.createElement('li'), { textContent: 'reading…' })]
      : stored.studies.length === 0
        ? [Object.assign(document.createElement('li'), { textContent: 'none' })]
        : stored.studies.map(item)),
  );
}

function renderImportancePanel(): void {
  const imp = state.importances;
  const status = $<HTMLParagraphElement>('#importance-status');
  const computing = imp?.computing != null ? ` (refitting to ${imp.computing} trials…)` : '';
  status.textContent = !imp
    ? '—'
    : imp.error
      ? `not computed: ${imp.error}${computing}`
      : imp.basedOn > 0
        ? `fitted to ${imp.basedOn} complete trials${computing}`
        : computing ||
          `after ${IMPORTANCE_EVERY} complete trials (or when the study stops, from 2 on)`;
  status.className = imp?.error ? 'error' : '';
  const caveats = $<HTMLParagraphElement>('#importance-caveats');
  caveats.textContent = imp?.caveats.join('; ') ?? '';
  caveats.hidden = !imp?.caveats.length;
}

function render(): void {
  window.__webtune = JSON.parse(JSON.stringify(state)) as RunState;
  renderProgress();
  renderStatus();
  renderStored();
  renderTable();
  renderImportancePanel();
  scheduleCharts();
}

// ---- charts (Observable Plot, loaded with the first trial) ------------------------------------

let chartsModule: Promise<typeof import('./charts.js')> | undefined;
let chartsDue = false;
/** The contour grid shown and what it was computed for. */
let contour: {
  key: string;
  grid: Awaited<ReturnType<typeof contourGrid>> | null;
  error: string | null;
  computing: boolean;
} = { key: '', grid: null, error: null, computing: false };

/** What the charts last drew: they are redrawn only when it changes. */
let drawn = '';

/**
 * Redraws the charts when what they show has changed, at most once a second while a study runs
 * (an epoch can end every few milliseconds, and drawing holds the page's thread).
 */
function scheduleCharts(): void {
  if (chartsDue) return;
  chartsDue = true;
  setTimeout(
    () => {
      chartsDue = false;
      const key = JSON.stringify([
        shown,
        state.trials.map((r) => [r.number, r.state, r.curve.length]),
        state.importances?.basedOn,
        state.importances?.params.length,
        $<HTMLInputElement>('#history-log').checked,
        $<HTMLSelectElement>('#contour-x').value,
        $<HTMLSelectElement>('#contour-y').value,
        contour.key,
        contour.computing,
        $<HTMLElement>('#charts').clientWidth,
      ]);
      if (key === drawn) return;
      drawn = key;
      void drawCharts();
    },
    state.state === 'running' ? 1000 : 100,
  );
}

function showChart(id: string, chart: Chart | null): void {
  const figure = $<HTMLElement>(`#${id}`);
  figure.hidden = chart === null;
  if (!chart) return;
  // Plot names its mark groups with aria-label, which ARIA does not allow on a plain <g>: each
  // SVG is one image (named and described by Plot), its table below says the rest.
  const svgs =
    chart.svg instanceof SVGSVGElement
      ? [chart.svg]
      : Array.from(chart.svg.querySelectorAll('svg'));
  for (const svg of svgs) {
    // Legend swatches are decoration: the legend's text says what they stand for.
    if (!svg.hasAttribute('aria-label')) svg.setAttribute('aria-hidden', 'true');
    else svg.setAttribute('role', 'img');
    svg.querySelectorAll('g[aria-label]').forEach((g) => {
      g.removeAttribute('aria-label');
    });
  }
  figure.querySelector('.plot')?.replaceChildren(chart.svg);
  const table = document.createElement('table');
  const head = document.createElement('tr');
  head.append(
    ...chart.table.head.map((h) =>
      Object.assign(document.createElement('th'), { textContent: h, scope: 'col' }),
    ),
  );
  table.createTHead().append(head);
  const body = table.createTBody();
  for (const row of chart.table.rows) {
    const tr = body.insertRow();
    for (const cell of row) tr.insertCell().textContent = cell;
  }
  figure.querySelector('.data')?.replaceChildren(table);
}

async function drawCharts(): Promise<void> {
  const status = $<HTMLParagraphElement>('#charts-status');
  const rows = state.trials;
  if (rows.length === 0) {
    status.hidden = false;
    status.textContent = 'The charts appear with the first trial.';
    for (const id of [
      'fig-history',
      'fig-curves',
      'fig-importance',
      'fig-parallel',
      'fig-slices',
      'fig-contour',
    ]) {
      $<HTMLElement>(`#${id}`).hidden = true;
    }
    return;
  }
  if (!chartsModule) {
    status.textContent = 'Loading the charts…';
    chartsModule = import('./charts.js');
  }
  const charts = await chartsModule;
  status.hidden = true;
  // The plots' width: the charts section less a figure's padding and border (12 + 1 px a side).
  const width = Math.max(240, Math.min(900, $<HTMLElement>('#charts').clientWidth - 26));
  const space = currentSpace();
  const complete = rows.filter((r) => r.state === 'complete');
  const log = $<HTMLInputElement>('#history-log').checked;
  showChart('fig-history', charts.historyChart(rows, width, log));
  showChart('fig-curves', charts.curvesChart(rows, width, currentEpochs()));
  const params = state.importances?.params ?? [];
  $<HTMLElement>('#fig-importance').hidden = false;
  if (params.length) showChart('fig-importance', charts.importanceChart(params, width));
  else $<HTMLElement>('#fig-importance .plot').replaceChildren();
  showChart('fig-parallel', complete.length ? charts.parallelChart(rows, space, width) : null);
  showChart('fig-slices', complete.length ? charts.sliceCharts(rows, space, width) : null);
  drawContour(charts, width);
}

function fillContourSelects(): void {
  const names = contourParams(currentSpace());
  const [sx, sy] = [$<HTMLSelectElement>('#contour-x'), $<HTMLSelectElement>('#contour-y')];
  const current = Array.from(sx.options, (o) => o.value).join();
  if (current === names.join()) return;
  for (const [select, pick] of [
    [sx, 0],
    [sy, 1],
  ] as const) {
    select.replaceChildren(...names.map((n) => new Option(n, n)));
    select.value = names[Math.min(pick, names.length - 1)] ?? '';
  }
}

function drawContour(charts: typeof import('./charts.js'), width: number): void {
  const settings = state.settings;
  const figure = $<HTMLElement>('#fig-contour');
  const complete = state.trials.filter((r) => r.state === 'complete');
  if (complete.length < 2) {
    figure.hidden = true;
    return;
  }
  fillContourSelects();
  figure.hidden = false;
  const space = currentSpace();
  const x = $<HTMLSelectElement>('#contour-x').value;
  const y = $<HTMLSelectElement>('#contour-y').value;
  const status = $<HTMLParagraphElement>('#contour-status');
  const best = state.best;
  const key = `${shown}|${x}|${y}|${complete.length}`;
  if (x === y) {
    status.textContent = 'Choose two different parameters.';
    figure.querySelector('.plot')?.replaceChildren();
    return;
  }
  if (contour.key !== key && !contour.computing && best) {
    contour = { key, grid: contour.grid, error: null, computing: true };
    status.textContent = `Fitting a GP to ${complete.length} complete trials…`;
    contourGrid({
      trials: complete.map((r) => ({
        number: r.number,
        state: r.state,
        params: r.params as Record<string, string | number | boolean>,
        value: r.valAccuracy,
      })),
      space,
      seed: foreign?.seed ?? settings?.seed ?? 0,
      x,
      y,
      base: best.params as Record<string, string | number | boolean>,
      steps: 24,
    }).then(
      (grid) => {
        contour = { key, grid, error: null, computing: false };
        scheduleCharts();
      },
      (error: unknown) => {
        contour = { key, grid: null, error: (error as Error).message, computing: false };
        scheduleCharts();
      },
    );
  }
  if (contour.error) status.textContent = `not computed: ${contour.error}`;
  else if (!contour.computing)
    status.textContent = `GP fitted to ${complete.length} complete trials.`;
  if (contour.grid && contour.key.startsWith(`${shown}|${x}|${y}|`)) {
    showChart(
      'fig-contour',
      charts.contourChart(contour.grid, { x, y }, space, state.trials, width),
    );
  }
}

for (const id of ['#history-log', '#contour-x', '#contour-y']) {
  $<HTMLElement>(id).addEventListener('change', () => scheduleCharts());
}
new ResizeObserver(() => scheduleCharts()).observe($<HTMLElement>('#charts'));
// Every chart is reachable from the keyboard, named by its title.
document.querySelectorAll<HTMLElement>('figure.chart').forEach((figure) => {
  const plot = figure.querySelector<HTMLElement>('.plot');
  if (!plot) return;
  Object.assign(plot, { tabIndex: 0, role: 'group' });
  plot.setAttribute('aria-label', figure.querySelector('.fig-title')?.textContent ?? 'chart');
});

// ---- other tabs -------------------------------------------------------------------------------

const channel = openChannel((m) => {
  if (m.type === 'changed') {
    void refreshStored();
    if (m.name === shown && state.state !== 'running') void reloadShown();
  }
});
const changed = (name: string) => channel.post({ type: 'changed', name });

let listing: Promise<void> | null = null;
let listAgain = false;
/** Lists the stored studies (and which another tab runs); calls made while one runs are merged. */
function refreshStored(): Promise<void> {
  if (listing) {
    listAgain = true;
    return listing;
  }
  listing = (async () => {
    try {
      const held = await heldStudies().catch(() => new Set<string>());
      if (owned) held.delete(owned.name);
      state.stored = { studies: await listStudies(held), error: null };
    } catch (error) {
      state.stored = { studies: [], error: `listing stored studies: ${(error as Error).message}` };
    }
    render();
  })().finally(() => {
    listing = null;
    if (listAgain) {
      listAgain = false;
      void refreshStored();
    }
  });
  return listing;
}

// A tab that closes or crashes gives its lock back without a word: look again now and then while
// another tab runs a study.
setInterval(() => {
  if (state.stored?.studies.some((s) => s.heldElsewhere)) void refreshStored();
}, 2000);
window.addEventListener('pagehide', () => {
  if (owned) changed(owned.name);
});

// ---- stored studies -----------------------------------------------------------------------------

let importances: ReturnType<typeof createImportanceScheduler> | undefined;

/** Shows stored study `name` as it is stored: settings, trials, charts and importances. */
async function openStudy(name: string): Promise<void> {
  const listed = state.stored?.studies.find((x) => x.name === name);
  if (!listed?.settings || state.state === 'running') return;
  leaveForeign();
  shown = name;
  localStorage.setItem(LAST_KEY, name);
  Object.assign(state, initialState(), {
    state: 'opened',
    settings: listed.settings,
    adapter: state.adapter,
    stored: state.stored,
    notes: state.notes,
    announced: state.announced,
  } satisfies Partial<RunState>);
  fillForm(listed.settings);
  await reloadShown();
}

/** Rereads the shown study's trials (another tab may be adding them) and refits importances. */
async function reloadShown(): Promise<void> {
  const name = shown;
  const settings = state.settings;
  if (!name || !settings) return;
  const rows = (await readTrials(name)).map(toRow);
  if (shown !== name || state.state === 'running') return;
  state.trials = rows;
  state.best = bestOf(rows);
  importances?.cancel();
  importances = createImportanceScheduler(
    importanceCompute(findExample(settings.example).space, settings.seed),
    (report) => {
      if (shown !== name) return;
      state.importances = { ...report };
      render();
    },
  );
  importances.update(rows, true);
  render();
}

/** Shows a study from a dropped or chosen file: `webtune run --out` JSON or a journal. */
async function openFile(file: File): Promise<void> {
  const error = $<HTMLParagraphElement>('#file-error');
  if (state.state === 'running') {
    error.hidden = false;
    error.textContent = 'Stop the study running here before opening another one.';
    return;
  }
  try {
    const [{ readStudyFile }, text] = await Promise.all([import('./studyFile.js'), file.text()]);
    const { meta, trials } = readStudyFile(file.name, text);
    error.hidden = true;
    importances?.cancel();
    foreign = { file: file.name, space: meta.space, seed: meta.seed };
    Object.assign(objective, { label: 'value', percent: false, direction: meta.direction });
    shown = `file:${file.name}`;
    const rows = trials.map(toRow);
    Object.assign(state, initialState(), {
      state: 'opened',
      trials: rows,
      best: bestOf(rows, meta.direction),
      adapter: state.adapter,
      stored: state.stored,
      notes: state.notes,
      announced: state.announced,
    } satisfies Partial<RunState>);
    importances = createImportanceScheduler(importanceCompute(meta.space, meta.seed), (report) => {
      if (shown !== `file:${file.name}`) return;
      state.importances = { ...report };
      render();
    });
    importances.update(rows, true);
    announce(
      `Opened ${file.name}: a ${meta.strategy} study with ${rows.length} trials (${meta.direction}).`,
    );
    render();
  } catch (e) {
    error.hidden = false;
    error.textContent = (e as Error).message;
  }
}

document.addEventListener('dragover', (event) => {
  event.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (event) => {
  if (event.relatedTarget === null) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  document.body.classList.remove('dragging');
  const file = event.dataTransfer?.files[0];
  if (file) void openFile(file);
});
$<HTMLInputElement>('#study-file').addEventListener('change', (event) => {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  if (file) void openFile(file);
  input.value = '';
});

async function discard(s: StoredStudy): Promise<void> {
  const what = s.settings ? describe(s.settings) : s.name;
  $<HTMLParagraphElement>('#confirm-text').textContent =
    `Discard the study “${what}” and its ${s.trials} stored trial${s.trials === 1 ? '' : 's'} for good? This cannot be undone.`;
  confirmDialog.returnValue = '';
  confirmDialog.showModal();
  const answer = await new Promise<string>((resolve) =>
    confirmDialog.addEventListener('close', () => resolve(confirmDialog.returnValue), {
      once: true,
    }),
  );
  if (answer !== 'ok') return;
  const release = await claimStudy(s.name);
  if (!release) {
    state.stored = {
      studies: state.stored?.studies ?? [],
      error: `“${what}” is running in another tab: stop it there before discarding it.`,
    };
    await refreshStored();
    return;
  }
  try {
    await discardStudy(s.name);
    if (shown === s.name) {
      shown = null;
      localStorage.removeItem(LAST_KEY);
      Object.assign(state, initialState(), {
        adapter: state.adapter,
        notes: state.notes,
        announced: state.announced,
      } satisfies Partial<RunState>);
    }
    announce(`Discarded the study ${what}.`);
  } catch (error) {
    state.stored = { studies: state.stored?.studies ?? [], error: (error as Error).message };
    render();
    return;
  } finally {
    await release();
  }
  changed(s.name);
  await refreshStored();
}

// ---- running --------------------------------------------------------------------------------

let worker: Worker | undefined;
let stopTimer: ReturnType<typeof setTimeout> | undefined;
/** Trials and finished trials last told to other tabs. */
let told = '';

/** The study the worker runs or ran last (its importances may still arrive after the run). */
let workerStudy: string | null = null;

function onWorkerState(next: RunState): void {
  if (workerStudy === null || workerStudy !== shown) return;
  const before = { state: state.state, phase: state.phase };
  Object.assign(state, next, {
    adapter: state.adapter,
    stored: state.stored,
    notes: state.notes,
    announced: state.announced,
  });
  if (state.phase && state.phase !== before.phase && state.phase.startsWith('warming up')) {
    announce(`Warming up: ${state.phase.replace('warming up: ', '')}.`);
  }
  const progress = `${state.trials.length}/${state.trials.filter((t) => t.state !== 'running').length}`;
  if (owned && progress !== told) {
    told = progress;
    changed(owned.name);
  }
  if (owned && state.state !== 'running') void finish();
  render();
}

/** The run ended (done, stopped or failed): give the study back and tell everyone. */
async function finish(announced = false): Promise<void> {
  clearTimeout(stopTimer);
  if (!owned) return;
  const { name, release } = owned;
  owned = null;
  if (!announced) announceEnd();
  await release();
  changed(name);
  await refreshStored();
}

function announceEnd(): void {
  const best = state.best;
  announce(
    state.state === 'error'
      ? `Study failed: ${state.error}`
      : `Study ${state.stopReason === 'aborted' ? 'stopped' : 'done'}: ${state.trials.length} trials${
          best ? `, best ${pct(best.value)} (trial ${best.number})` : ''
        }.`,
  );
}

function studyWorker(): Worker {
  if (worker) return worker;
  const created = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  created.onmessage = (event: MessageEvent<FromWorker>) => onWorkerState(event.data.state);
  created.onerror = (event) => {
    Object.assign(state, { state: 'error', phase: null, error: `study worker: ${event.message}` });
    worker = undefined;
    created.terminate();
    void finish();
    render();
  };
  worker = created;
  return created;
}

const post = (message: ToWorker) => studyWorker().postMessage(message);

/** Runs study `name` with `settings` (resuming what is stored of it), if no tab runs it already. */
async function start(settings: RunSettings, name: string, resume: boolean): Promise<void> {
  if (state.state === 'running') return;
  const release = await claimStudy(name);
  if (!release) {
    Object.assign(state, {
      state: 'error',
      error:
        'This study is running in another tab of this browser: watch it there, or stop it there first.',
    });
    await refreshStored();
    return;
  }
  owned = { name, release };
  leaveForeign();
  shown = name;
  workerStudy = name;
  told = '';
  localStorage.setItem(LAST_KEY, name);
  setStoredTarget(name, settings.trials);
  fillForm(settings);
  importances?.cancel();
  Object.assign(state, initialState(), {
    state: 'running',
    settings,
    adapter: state.adapter,
    stored: state.stored,
    notes: state.notes,
    announced: state.announced,
    phase: worker ? 'starting' : 'loading TF.js and the study code',
  } satisfies Partial<RunState>);
  announce(
    `Study ${resume ? 'resumed' : 'started'}: ${describe(settings)}, up to ${settings.trials} trials.`,
  );
  render();
  changed(name);
  post({
    type: 'start',
    name,
    settings,
    resume,
    adapter: state.adapter,
    digitsUrl: new URL(digitsUrl, location.href).href,
  });
}

/**
 * Stops the run: the worker aborts between batches; one that has not stopped within
 * {@link STOP_GRACE_MS} (a slow GPU batch, shader compilation) is ended, and its running trials
 * are failed in storage as it would have failed them.
 */
function stop(): void {
  if (!owned || state.state !== 'running') return;
  stopButton.disabled = true;
  post({ type: 'stop' });
  const name = owned.name;
  stopTimer = setTimeout(async () => {
    if (owned?.name !== name || state.state !== 'running') return;
    worker?.terminate();
    worker = undefined;
    workerStudy = null;
    const error = 'stopped by the user';
    state.trials = state.trials.map((r) =>
      r.state === 'running' ? { ...r, state: 'failed', error } : r,
    );
    Object.assign(state, { state: 'done', stopReason: 'aborted', phase: null });
    announceEnd();
    render();
    // The study stays this tab's until storage says what the page already shows.
    await failRunning(name, error).catch(() => undefined);
    await finish(true);
  }, STOP_GRACE_MS);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (state.state === 'running') return;
  const r = validateSettings(readForm());
  if (r.errors) {
    showErrors(r.errors);
    announce(
      `${Object.keys(r.errors).length === 1 ? 'A setting needs' : 'Some settings need'} fixing.`,
    );
    return;
  }
  showErrors({});
  const name = studyName(r.settings);
  const stored = state.stored?.studies.find((x) => x.name === name);
  void start(r.settings, name, (stored?.trials ?? 0) > 0);
});
stopButton.addEventListener('click', () => {
  stop();
  stopButton.disabled = false;
});
resumeButton.addEventListener('click', () => {
  if (shown && state.settings) void start(state.settings, shown, true);
});
extendButton.addEventListener('click', () => {
  const more = Number(extendBy.value);
  if (!shown || !state.settings) return;
  if (!Number.isInteger(more) || more < 1 || state.trials.length + more > 500) {
    extendBy.setAttribute('aria-invalid', 'true');
    extendBy.focus();
    return;
  }
  extendBy.removeAttribute('aria-invalid');
  void start({ ...state.settings, trials: state.trials.length + more }, shown, true);
});

// A box that scrolls sideways must take the keyboard focus, or keyboard users cannot scroll it.
document.querySelectorAll<HTMLElement>('.table-scroll').forEach((box) => {
  Object.assign(box, { tabIndex: 0, role: 'region' });
  box.setAttribute('aria-label', 'Trials table (scrolls sideways on narrow screens)');
});
setupForm();
setupTable();
render();
void refreshStored().then(() => {
  // The page is usable from here: the form works and the stored studies are listed.
  performance.mark('webtune:interactive');
  // Reopen the study shown last, unless the address asks for other settings.
  const last = localStorage.getItem(LAST_KEY);
  if (last && !location.search && state.stored?.studies.some((s) => s.name === last)) {
    void openStudy(last);
  }
});
probeAdapter()
  .catch((error: unknown) => ({
    available: false,
    vendor: '',
    architecture: '',
    description: '',
    isFallbackAdapter: false,
    reason: `requestAdapter() threw: ${(error as Error).message}`,
  }))
  .then((adapter) => {
    state.adapter = adapter;
    render();
  });
