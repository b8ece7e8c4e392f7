import digitsUrl from '@webtune/harness/data/digits.csv.gz?url';
import { renderChart, renderImportances } from './chart.js';
import { EXAMPLES, findExample } from './examples.js';
import { importanceCompute } from './importanceClient.js';
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
import {
  bestOf,
  initialState,
  probeAdapter,
  type RunState,
  type TrialRow,
  toRow,
} from './state.js';
import {
  discardStudy,
  failRunning,
  listStudies,
  readTrials,
  type StoredStudy,
  setStoredTarget,
  studyName,
} from './stored.js';
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
const chart = $<SVGSVGElement>('#chart');
const thead = $<HTMLTableSectionElement>('#trials thead');
const tbody = $<HTMLTableSectionElement>('#trials tbody');
const importanceChart = $<SVGSVGElement>('#importance-chart');
const storedList = $<HTMLUListElement>('#stored');
const announcer = $<HTMLDivElement>('#announce');
const confirmDialog = $<HTMLDialogElement>('#confirm');

/** localStorage key of the study the page showed last, reopened on the next load. */
const LAST_KEY = 'webtune-demo-last';
/** How long Stop waits for the worker to stop between batches before ending it. */
const STOP_GRACE_MS = 400;

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

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
const fmtParam = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v ?? '—');

function renderTable(rows: readonly TrialRow[], bestNumber: number | undefined): void {
  const names = Object.keys(findExample(state.settings?.example ?? field('example').value).space);
  const epochs = state.settings?.epochs;
  const head = ['#', ...names, 'val acc', 'test acc', 'state', 'epochs', 'duration', 'TF.js'];
  const tr = document.createElement('tr');
  tr.append(
    ...head.map((h) =>
      Object.assign(document.createElement('th'), { textContent: h, scope: 'col' }),
    ),
  );
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
        r.state === 'running' && epochs ? `${r.epochs}/${epochs}` : String(r.epochs),
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

/** "trial 3 of 12 · epoch 2/5", with counts by state. */
function progressLine(): string {
  const s = state.settings;
  const rows = state.trials;
  const count = (st: string) => rows.filter((r) => r.state === st).length;
  const finished = rows.length - count('running');
  const running = rows.filter((r) => r.state === 'running');
  const parts = [
    `${finished} of ${s?.trials ?? '?'} trials finished`,
    ...running.map((r) => `trial ${r.number}: epoch ${r.epochs}/${s?.epochs ?? '?'}`),
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
  text.textContent =
    st === 'idle'
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
  const params = imp?.params ?? [];
  importanceChart.style.display = params.length ? '' : 'none';
  renderImportances(importanceChart, params);
}

function render(): void {
  window.__webtune = JSON.parse(JSON.stringify(state)) as RunState;
  renderProgress();
  renderStatus();
  renderStored();
  renderTable(state.trials, state.best?.number);
  renderChart(chart, state.trials);
  renderImportancePanel();
}

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
async function finish(): Promise<void> {
  clearTimeout(stopTimer);
  if (!owned) return;
  const { name, release } = owned;
  owned = null;
  await release();
  const best = state.best;
  announce(
    state.state === 'error'
      ? `Study failed: ${state.error}`
      : `Study ${state.stopReason === 'aborted' ? 'stopped' : 'done'}: ${state.trials.length} trials${
          best ? `, best ${pct(best.value)} (trial ${best.number})` : ''
        }.`,
  );
  changed(name);
  await refreshStored();
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
    await failRunning(name, error).catch(() => undefined);
    state.trials = state.trials.map((r) =>
      r.state === 'running' ? { ...r, state: 'failed', error } : r,
    );
    Object.assign(state, { state: 'done', stopReason: 'aborted', phase: null });
    void finish();
    render();
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
