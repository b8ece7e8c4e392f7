import digitsUrl from '@webtune/harness/data/digits.csv.gz?url';
import { renderChart, renderImportances } from './chart.js';
import { EXAMPLES, findExample } from './examples.js';
import { IMPORTANCE_EVERY } from './importances.js';
import type { FromWorker, ToWorker } from './protocol.js';
import {
  DEFAULT_SETTINGS,
  GP_BACKENDS,
  initialState,
  PRUNERS,
  parseSettings,
  probeAdapter,
  type RunSettings,
  type RunState,
  STRATEGIES,
  TF_BACKENDS,
  type TrialRow,
} from './run.js';
import type { StoredStudy } from './stored.js';

const $ = <T extends Element>(selector: string): T => {
  const node = document.querySelector<T>(selector);
  if (!node) throw new Error(`demo: ${selector} is missing from index.html`);
  return node;
};

const form = $<HTMLFormElement>('#settings');
const startButton = $<HTMLButtonElement>('#start');
const chart = $<SVGSVGElement>('#chart');
const thead = $<HTMLTableSectionElement>('#trials thead');
const tbody = $<HTMLTableSectionElement>('#trials tbody');
const importanceChart = $<SVGSVGElement>('#importance-chart');
const storedList = $<HTMLUListElement>('#stored');

const state = initialState();

function field(name: keyof RunSettings): HTMLInputElement | HTMLSelectElement {
  return form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
}

function fillSelect(name: keyof RunSettings, options: readonly (readonly [string, string])[]) {
  const select = field(name) as HTMLSelectElement;
  select.replaceChildren(
    ...options.map(([value, text]) => Object.assign(new Option(text, value), { value })),
  );
}

function setupForm(): void {
  fillSelect(
    'example',
    EXAMPLES.map((e) => [e.id, e.title]),
  );
  fillSelect(
    'strategy',
    STRATEGIES.map((s) => [s, s]),
  );
  fillSelect(
    'gpBackend',
    GP_BACKENDS.map((b) => [b, b]),
  );
  fillSelect(
    'pruner',
    PRUNERS.map((p) => [p, p]),
  );
  fillSelect(
    'tfBackend',
    TF_BACKENDS.map((b) => [b, b]),
  );
  // ?strategy=random&trials=4 … pre-fills the form (shareable settings).
  const query = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
    field(key as keyof RunSettings).value = query.get(key) ?? String(value);
  }
  const syncBayes = () => form.classList.toggle('no-bayes', field('strategy').value !== 'bayesian');
  field('strategy').addEventListener('change', syncBayes);
  syncBayes();
}

function fillForm(settings: RunSettings): void {
  for (const [key, value] of Object.entries(settings)) {
    field(key as keyof RunSettings).value = String(value);
  }
  field('strategy').dispatchEvent(new Event('change'));
}

function readForm(): Partial<Record<keyof RunSettings, string>> {
  const raw: Partial<Record<keyof RunSettings, string>> = {};
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof RunSettings)[]) {
    raw[key] = field(key).value;
  }
  return raw;
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
const fmtParam = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v ?? '—');

function renderTable(rows: readonly TrialRow[], bestNumber: number | undefined): void {
  const names = Object.keys(findExample(state.settings?.example ?? field('example').value).space);
  const head = ['#', ...names, 'val acc', 'test acc', 'state', 'epochs', 'duration', 'TF.js'];
  const tr = document.createElement('tr');
  tr.append(...head.map((h) => Object.assign(document.createElement('th'), { textContent: h })));
  thead.replaceChildren(tr);
  tbody.replaceChildren(
    ...rows.map((r) => {
      const row = document.createElement('tr');
      row.dataset.state = r.state;
      if (r.number === bestNumber) row.className = 'best';
      const cells = [
        String(r.number),
        ...names.map((n) => fmtParam(r.params[n])),
        pct(r.valAccuracy),
        pct(r.testAccuracy),
        r.state,
        String(r.epochs),
        r.durationMs !== null
          ? `${(r.durationMs / 1000).toFixed(1)} s`
          : r.state === 'running'
            ? '…'
            : '—',
        r.tfBackend ?? '—',
      ];
      row.append(
        ...cells.map((text, i) => {
          const td = Object.assign(document.createElement('td'), { textContent: text });
          if (i === names.length + 3) td.className = `state-${r.state}`;
          if (r.error && i === names.length + 3) td.title = r.error;
          return td;
        }),
      );
      return row;
    }),
  );
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
    ? `${state.tfBackend}${settings ? ` (asked for ${settings.tfBackend})` : ''}`
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
  startButton.textContent = running ? 'Stop' : 'Start';
  startButton.classList.toggle('stop', running);
}

/** One line of settings for the stored-studies list. */
function describe(s: RunSettings): string {
  const gp = s.strategy === 'bayesian' ? ` (GP ${s.gpBackend}, ${s.startupTrials} startup)` : '';
  return `${s.example}, ${s.strategy}${gp}, ${s.trials} trials × ${s.epochs} epochs, pruner ${s.pruner}, TF.js ${s.tfBackend}, seed ${s.seed}`;
}

function renderStored(): void {
  const stored = state.stored;
  const error = $<HTMLParagraphElement>('#stored-error');
  error.hidden = !stored?.error;
  error.textContent = stored?.error ?? '';
  const running = state.state === 'running';
  const button = (text: string, onClick: () => void, disabled: boolean) => {
    const b = Object.assign(document.createElement('button'), {
      type: 'button',
      textContent: text,
    });
    b.disabled = disabled;
    b.addEventListener('click', onClick);
    return b;
  };
  const item = (s: StoredStudy) => {
    const li = document.createElement('li');
    li.dataset.name = s.name;
    const text = document.createElement('span');
    text.textContent = s.settings
      ? `${describe(s.settings)} — ${s.trials} of ${s.settings.trials} trials stored (${s.complete} complete${s.running ? `, ${s.running} left running: a resume fails ${s.running > 1 ? 'them' : 'it'} as stale` : ''})`
      : (s.error ?? s.name);
    if (s.error) text.className = 'error';
    const settings = s.settings;
    li.append(
      text,
      ...(settings ? [button('Resume', () => start(settings, true), running)] : []),
      button('Discard', () => post({ type: 'discard', name: s.name }), running),
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
  caveats.style.display = imp?.caveats.length ? '' : 'none';
  const params = imp?.params ?? [];
  importanceChart.style.display = params.length ? '' : 'none';
  renderImportances(importanceChart, params);
}

function render(): void {
  window.__webtune = JSON.parse(JSON.stringify(state)) as RunState;
  renderStatus();
  renderStored();
  renderTable(state.trials, state.best?.number);
  renderChart(chart, state.trials);
  renderImportancePanel();
}

let worker: Worker | undefined;

function studyWorker(): Worker {
  if (worker) return worker;
  const created = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  created.onmessage = (event: MessageEvent<FromWorker>) => {
    const m = event.data;
    if (m.type === 'studies') state.stored = { studies: m.studies, error: m.error };
    else Object.assign(state, m.state, { adapter: state.adapter, stored: state.stored });
    render();
  };
  created.onerror = (event) => {
    Object.assign(state, { state: 'error', error: `study worker: ${event.message}` });
    worker = undefined;
    created.terminate();
    render();
  };
  worker = created;
  return created;
}

const post = (message: ToWorker) => studyWorker().postMessage(message);

/** Runs `settings` (a stored study's when resuming; the form's, parsed, otherwise). */
function start(stored: RunSettings | null, resume: boolean): void {
  let settings: RunSettings;
  try {
    if (stored) fillForm(stored);
    settings = stored ?? parseSettings(readForm());
  } catch (error) {
    Object.assign(state, { state: 'error', error: (error as Error).message });
    render();
    return;
  }
  Object.assign(state, {
    state: 'running',
    settings,
    trials: [],
    best: null,
    error: null,
    gp: null,
    study: null,
    importances: null,
  });
  render();
  post({
    type: 'start',
    settings,
    resume,
    adapter: state.adapter,
    digitsUrl: new URL(digitsUrl, location.href).href,
  });
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (state.state !== 'running') start(null, false);
  else post({ type: 'stop' });
});

setupForm();
render();
post({ type: 'list' });
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
