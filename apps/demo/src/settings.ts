import { EXAMPLES } from './examples.js';

export const STRATEGIES = ['random', 'sobol', 'grid', 'bayesian'] as const;
export type StrategyName = (typeof STRATEGIES)[number];
export const GP_BACKENDS = ['auto', 'webgpu', 'cpu'] as const;
export type GpBackendName = (typeof GP_BACKENDS)[number];
/** TF.js backends offered in the browser (wasm would need its .wasm files served; not offered). */
export const TF_BACKENDS = ['auto', 'webgpu', 'webgl', 'cpu'] as const;
export type TfBackendName = (typeof TF_BACKENDS)[number];
export const PRUNERS = ['none', 'median'] as const;
export type PrunerName = (typeof PRUNERS)[number];

/** What one run does; {@link validateSettings} builds it from the form's strings. */
export interface RunSettings {
  example: string;
  strategy: StrategyName;
  /** Where the bayesian strategy scores candidates (unused by the others). */
  gpBackend: GpBackendName;
  tfBackend: TfBackendName;
  /** Run until the study holds this many trials (stored ones count), 1 … 500; not part of the study's identity. */
  trials: number;
  /** Maximum epochs per trial, 1 … 100. */
  epochs: number;
  /** 'median': core's medianPruner() (after 5 complete trials, stop a trial whose best so far is below the median at the same epoch). */
  pruner: PrunerName;
  /** Seeds the strategy, the data split, weight init and batch order. */
  seed: number;
  /** Bayesian only: completed trials before the GP takes over (≥ 1). */
  startupTrials: number;
}

export type SettingName = keyof RunSettings;
export type RawSettings = Partial<Record<SettingName, string>>;

export const DEFAULT_SETTINGS: Readonly<RunSettings> = {
  example: 'seed-grid',
  strategy: 'bayesian',
  gpBackend: 'auto',
  tfBackend: 'auto',
  trials: 12,
  epochs: 5,
  pruner: 'none',
  seed: 0,
  startupTrials: 4,
};

/** The form's label of each setting, as error messages name it. */
export const LABELS: Readonly<Record<SettingName, string>> = {
  example: 'Example',
  strategy: 'Strategy',
  gpBackend: 'GP backend',
  tfBackend: 'TF.js backend',
  trials: 'Trials',
  epochs: 'Epochs',
  pruner: 'Pruner',
  seed: 'Seed',
  startupTrials: 'Startup trials',
};

const SEED_MAX = 2 ** 31 - 1;

/** The choices of each select setting; the number settings' ranges. */
export const CHOICES = {
  example: EXAMPLES.map((e) => e.id),
  strategy: STRATEGIES,
  gpBackend: GP_BACKENDS,
  tfBackend: TF_BACKENDS,
  pruner: PRUNERS,
} as const satisfies Partial<Record<SettingName, readonly string[]>>;
export const RANGES = {
  trials: [1, 500],
  epochs: [1, 100],
  seed: [0, SEED_MAX],
  startupTrials: [1, 500],
} as const satisfies Partial<Record<SettingName, readonly [number, number]>>;

/** `value` for setting `name` (a form string), or the message saying what is wrong in the form's words. */
export function checkSetting(
  name: SettingName,
  value: string,
): { value: RunSettings[SettingName] } | { error: string } {
  if (name in CHOICES) {
    const allowed = CHOICES[name as keyof typeof CHOICES] as readonly string[];
    return allowed.includes(value)
      ? { value }
      : { error: `${LABELS[name]} must be one of ${allowed.join(', ')}; “${value}” is not.` };
  }
  const [low, high] = RANGES[name as keyof typeof RANGES];
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < low || n > high) {
    const got = value.trim() === '' ? 'it is empty' : `“${value}” is not`;
    return { error: `${LABELS[name]} must be a whole number from ${low} to ${high}; ${got}.` };
  }
  return { value: n };
}

/**
 * Validates raw form values (missing ones take {@link DEFAULT_SETTINGS}): the settings when all
 * are valid, else one message per bad field.
 */
export function validateSettings(
  raw: RawSettings,
):
  | { settings: RunSettings; errors: null }
  | { settings: null; errors: Partial<Record<SettingName, string>> } {
  const out: Record<string, unknown> = {};
  const errors: Partial<Record<SettingName, string>> = {};
  for (const name of Object.keys(DEFAULT_SETTINGS) as SettingName[]) {
    const checked = checkSetting(name, raw[name] ?? String(DEFAULT_SETTINGS[name]));
    if ('error' in checked) errors[name] = checked.error;
    else out[name] = checked.value;
  }
  return Object.keys(errors).length
    ? { settings: null, errors }
    : { settings: out as unknown as RunSettings, errors: null };
}

/** {@link validateSettings}, throwing the first error (for settings read back from a study's name). */
export function parseSettings(raw: RawSettings): RunSettings {
  const r = validateSettings(raw);
  if (r.errors) throw new Error(Object.values(r.errors)[0]);
  return r.settings;
}

/**
 * The form's starting values from a page URL's query (`?strategy=random&trials=4`): every valid
 * setting taken, every other one left at its default with a note saying which and why.
 */
export function settingsFromQuery(search: string): { raw: Required<RawSettings>; notes: string[] } {
  const query = new URLSearchParams(search);
  const raw = Object.fromEntries(
    Object.entries(DEFAULT_SETTINGS).map(([k, v]) => [k, String(v)]),
  ) as Required<RawSettings>;
  const notes: string[] = [];
  for (const [key, value] of query) {
    if (!(key in DEFAULT_SETTINGS)) {
      notes.push(`“${key}” in the address is not a setting; ignored.`);
      continue;
    }
    const name = key as SettingName;
    const checked = checkSetting(name, value);
    if ('error' in checked) {
      notes.push(`${checked.error} Using the default, ${DEFAULT_SETTINGS[name]}.`);
    } else raw[name] = value;
  }
  return { raw, notes };
}
