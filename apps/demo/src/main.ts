import digitsUrl from '@webtune/harness/data/digits.csv.gz?url';
import { renderChart } from './chart.js';
import { EXAMPLES, findExample } from './examples.js';
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
        r.durationMs === null ? '…' : `${(r.durationMs / 1000).toFixed(1)} s`,
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
  const best = state.best;
  $<HTMLSpanElement>('#best').textContent = best
    ? `trial ${best.number}: ${pct(best.value)} validation accuracy — ${Object.entries(best.params)
        .map(([k, v]) => `${k}=${fmtParam(v)}`)
        .join(', ')}`
    : '—';
  startButton.textContent = running ? 'Stop' : 'Start';
  startButton.classList.toggle('stop', running);
}

function render(): void {
  window.__webtune = JSON.parse(JSON.stringify(state)) as RunState;
  renderStatus();
  renderTable(state.trials, state.best?.number);
  renderChart(chart, state.trials);
}

let worker: Worker | undefined;

function studyWorker(): Worker {
  if (worker) return worker;
  const created = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  created.onmessage = (event: MessageEvent<FromWorker>) => {
    Object.assign(state, event.data.state, { adapter: state.adapter });
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

function start(): void {
  let settings: RunSettings;
  try {
    settings = parseSettings(readForm());
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
  });
  render();
  const message: ToWorker = {
    type: 'start',
    settings,
    adapter: state.adapter,
    digitsUrl: new URL(digitsUrl, location.href).href,
  };
  studyWorker().postMessage(message);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (state.state !== 'running') start();
  else worker?.postMessage({ type: 'stop' } satisfies ToWorker);
});

setupForm();
render();
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
