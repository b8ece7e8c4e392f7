import { SpaceError, show } from './errors.js';
import type {
  CategoricalParamJSON,
  Condition,
  FloatParamJSON,
  IntParamJSON,
  ParamJSON,
  ParamValue,
  RandomSource,
} from './types.js';

/** The validated, normalised model of one parameter, with its own encode/decode/sample logic. */
export interface ParamModel {
  readonly name: string;
  /** Canonical JSON (only set options, normalised). Never handed out: callers get copies. */
  readonly json: ParamJSON;
  readonly kind: 'continuous' | 'discrete' | 'categorical';
  /** Parent name → accepted values, in the declared order. */
  readonly when: readonly (readonly [string, readonly ParamValue[]])[];
  /** Encoded dimensions (1, or the number of choices). */
  readonly width: number;
  /** Number of distinct values: Infinity for a continuous float with low < high. */
  readonly count: number;
  /** Why `value` is not a possible value, or undefined when it is. */
  check(value: unknown): string | undefined;
  /** Writes the encoding of a valid value into `out[offset .. offset + width)`. */
  encode(value: ParamValue, out: Float64Array, offset: number): void;
  /** Reads `point[offset .. offset + width)` (finite numbers) back into a value. */
  decode(point: ArrayLike<number>, offset: number): ParamValue;
  /** Writes the encoding of "inactive" (0.5 for numeric, zeros for categorical). */
  encodeInactive(out: Float64Array, offset: number): void;
  /** One value drawn uniformly (log-uniformly where log, uniformly over the steps where stepped). */
  sample(rng: RandomSource): ParamValue;
  /** Every value, in order; only for finite parameters. */
  values(): ParamValue[];
  /** `resolution` representative values (all values if there are no more than that). */
  gridValues(resolution: number): ParamValue[];
}

const FLOAT_KEYS = ['type', 'low', 'high', 'log', 'step', 'when'];
const INT_KEYS = FLOAT_KEYS;
const CATEGORICAL_KEYS = ['type', 'choices', 'when'];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Number of decimal places in the shortest printed form of x (1e-7 → 7, 0.25 → 2, 100 → 0). */
export function decimals(x: number): number {
  const s = String(Math.abs(x));
  const e = s.indexOf('e');
  const mantissa = e < 0 ? s : s.slice(0, e);
  const exponent = e < 0 ? 0 : Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const frac = dot < 0 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, frac - exponent);
}

/**
 * The values of a stepped parameter (an int, or a float with step): `n` of them, value k is
 * low + k·step printed to the decimals of low and step (0.1·3 → 0.3), the last exactly `high`;
 * `indexOf(v)` is k for an exact member, else −1. Strategies that work on step indices use this to
 * produce exactly the values the space does.
 */
export function steppedValues(
  type: 'float' | 'int',
  low: number,
  high: number,
  step: number,
): { n: number; valueAt(k: number): number; indexOf(v: number): number } {
  const n = Math.round((high - low) / step) + 1;
  const places = Math.min(100, Math.max(decimals(low), decimals(step)));
  const valueAt = (k: number): number => {
    if (k === n - 1) return high;
    const v = low + k * step;
    return type === 'int' ? v : Number(v.toFixed(places));
  };
  const indexOf = (v: number): number => {
    const k = Math.round((v - low) / step);
    return k >= 0 && k < n && valueAt(k) === v ? k : -1;
  };
  return { n, valueAt, indexOf };
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

/** Rounds to 12 significant digits so grid points print as 0.001, not 0.0010000000000000002. */
const tidy = (x: number): number => (x === 0 ? 0 : Number(x.toPrecision(12)));

function linspace(a: number, b: number, r: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < r; i++) out.push(i === r - 1 ? b : a + ((b - a) * i) / (r - 1));
  return out;
}

function checkKeys(name: string, raw: Record<string, unknown>, allowed: string[], type: string) {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      throw new SpaceError(
        name,
        `unknown option ${show(key)} for a ${type} parameter (allowed: ${allowed.slice(1).join(', ')})`,
        key,
      );
    }
  }
}

function parseWhen(name: string, raw: unknown): [string, ParamValue[]][] {
  if (raw === undefined) return [];
  if (!isPlainObject(raw)) {
    throw new SpaceError(
      name,
      `when (${show(raw)}) must be an object mapping parameter names to lists of values`,
      raw,
    );
  }
  const entries = Object.entries(raw);
  if (entries.length === 0)
    throw new SpaceError(name, 'when must name at least one parameter', raw);
  return entries.map(([parent, values]) => {
    if (!Array.isArray(values) || values.length === 0) {
      throw new SpaceError(
        name,
        `when.${parent} (${show(values)}) must be a non-empty array of values`,
        values,
      );
    }
    for (const v of values) {
      if (!isChoice(v)) {
        throw new SpaceError(
          name,
          `when.${parent}: value ${show(v)} is not allowed: values are strings, finite numbers or booleans`,
          v,
        );
      }
    }
    return [parent, [...values] as ParamValue[]];
  });
}

function isChoice(v: unknown): v is ParamValue {
  return (
    typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
  );
}

function numberOption(name: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new SpaceError(name, `${key} (${show(v)}) must be a finite number`, v);
  }
  return v;
}

function whenJSON(when: [string, ParamValue[]][]): Condition | undefined {
  if (when.length === 0) return undefined;
  return Object.fromEntries(when.map(([p, vs]) => [p, [...vs]]));
}

/** Validates one parameter definition and builds its model. Throws SpaceError naming `name`. */
export function parseParam(name: string, raw: unknown): ParamModel {
  if (!isPlainObject(raw)) {
    throw new SpaceError(name, `definition (${show(raw)}) must be an object with a "type"`, raw);
  }
  const type = raw.type;
  if (type === 'categorical') {
    checkKeys(name, raw, CATEGORICAL_KEYS, type);
    return categoricalParam(name, raw);
  }
  if (type === 'float' || type === 'int') {
    checkKeys(name, raw, type === 'float' ? FLOAT_KEYS : INT_KEYS, type);
    return numericParam(name, raw, type);
  }
  throw new SpaceError(
    name,
    `unknown type ${show(type)} (expected "float", "int" or "categorical")`,
    type,
  );
}

function numericParam(name: string, raw: Record<string, unknown>, type: 'float' | 'int') {
  const low = numberOption(name, 'low', raw.low);
  const high = numberOption(name, 'high', raw.high);
  if (raw.log !== undefined && typeof raw.log !== 'boolean') {
    throw new SpaceError(name, `log (${show(raw.log)}) must be a boolean`, raw.log);
  }
  const log = raw.log === true;
  const step = raw.step === undefined ? undefined : numberOption(name, 'step', raw.step);
  if (type === 'int') {
    if (!Number.isInteger(low)) {
      throw new SpaceError(name, `low (${show(low)}) must be an integer for an int`, low);
    }
    if (!Number.isInteger(high)) {
      throw new SpaceError(name, `high (${show(high)}) must be an integer for an int`, high);
    }
  }
  if (type === 'int') {
    for (const [key, v] of [
      ['low', low],
      ['high', high],
    ] as const) {
      if (!Number.isSafeInteger(v)) {
        throw new SpaceError(
          name,
          `${key} (${show(v)}) must be a safe integer (|x| <= 2^53 - 1) for an int`,
          v,
        );
      }
    }
  }
  if (low > high) {
    throw new SpaceError(name, `low (${show(low)}) must be <= high (${show(high)})`, low);
  }
  if (!Number.isFinite(high - low)) {
    throw new SpaceError(
      name,
      `the range [${show(low)}, ${show(high)}] is too wide: high - low overflows to Infinity`,
      high,
    );
  }
  if (log && low <= 0) {
    throw new SpaceError(name, `low (${show(low)}) must be > 0 for a log-scaled ${type}`, low);
  }
  if (step !== undefined) {
    if (step <= 0) throw new SpaceError(name, `step (${show(step)}) must be > 0`, step);
    if (type === 'float' && log) {
      throw new SpaceError(
        name,
        `step (${show(step)}) cannot be combined with log for a float`,
        step,
      );
    }
    if (type === 'int' && !Number.isInteger(step)) {
      throw new SpaceError(name, `step (${show(step)}) must be an integer for an int`, step);
    }
    if (type === 'int' && log && step !== 1) {
      throw new SpaceError(name, `step (${show(step)}) must be 1 for a log-scaled int`, step);
    }
    const k = (high - low) / step;
    if (Math.abs(k - Math.round(k)) > 1e-9 * Math.max(1, k)) {
      throw new SpaceError(
        name,
        `step (${show(step)}) does not divide the range [${show(low)}, ${show(high)}]`,
        step,
      );
    }
  }
  const when = parseWhen(name, raw.when);
  const json: FloatParamJSON | IntParamJSON = { type, low, high } as FloatParamJSON | IntParamJSON;
  if (log) json.log = true;
  if (step !== undefined && !(type === 'int' && step === 1)) json.step = step;
  const w = whenJSON(when);
  if (w) json.when = w;
  if (type === 'float' && step === undefined)
    return continuousFloat(name, json, when, low, high, log);
  return discrete(name, json, when, type, low, high, step ?? 1, log);
}

function continuousFloat(
  name: string,
  json: ParamJSON,
  when: [string, ParamValue[]][],
  low: number,
  high: number,
  log: boolean,
): ParamModel {
  const a = log ? Math.log(low) : low;
  const b = log ? Math.log(high) : high;
  const fixed = low === high;
  const fromUnit = (u: number): number => {
    if (fixed || u <= 0) return low;
    if (u >= 1) return high;
    const t = a + u * (b - a);
    return clamp(log ? Math.exp(t) : t, low, high);
  };
  return {
    name,
    json,
    kind: 'continuous',
    when,
    width: 1,
    count: fixed ? 1 : Number.POSITIVE_INFINITY,
    check(v) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        return `value ${show(v)} is not a finite number`;
      if (v < low || v > high)
        return `value ${show(v)} is out of range [${show(low)}, ${show(high)}]`;
      return undefined;
    },
    encode(v, out, offset) {
      const x = v as number;
      out[offset] = fixed ? 0.5 : clamp(((log ? Math.log(x) : x) - a) / (b - a), 0, 1);
    },
    decode: (point, offset) => fromUnit(point[offset]!),
    encodeInactive(out, offset) {
      out[offset] = 0.5;
    },
    sample: (rng) => fromUnit(rng.random()),
    values() {
      if (!fixed) throw new SpaceError(name, 'a continuous float has no finite list of values');
      return [low];
    },
    gridValues(r) {
      if (fixed) return [low];
      return linspace(a, b, r).map((t, i) =>
        i === 0 ? low : i === r - 1 ? high : clamp(tidy(log ? Math.exp(t) : t), low, high),
      );
    },
  };
}

function discrete(
  name: string,
  json: ParamJSON,
  when: [string, ParamValue[]][],
  type: 'float' | 'int',
  low: number,
  high: number,
  step: number,
  log: boolean,
): ParamModel {
  const { n, valueAt, indexOf } = steppedValues(type, low, high, step);
  // int log: the ints widened by ±0.5 in log space, so each int owns its share of the log range.
  const la = log ? Math.log(low - 0.5) : 0;
  const lb = log ? Math.log(high + 0.5) : 0;
  const fromUnit = (u: number): number => {
    if (log) return clamp(Math.round(Math.exp(la + clamp(u, 0, 1) * (lb - la))), low, high);
    return valueAt(clamp(Math.floor(u * n), 0, n - 1));
  };
  return {
    name,
    json,
    kind: 'discrete',
    when,
    width: 1,
    count: n,
    check(v) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        return `value ${show(v)} is not a finite number`;
      if (type === 'int' && !Number.isInteger(v)) return `value ${show(v)} is not an integer`;
      if (v < low || v > high)
        return `value ${show(v)} is out of range [${show(low)}, ${show(high)}]`;
      if (indexOf(v) < 0) {
        return `value ${show(v)} is not on the step grid (${show(low)}, ${show(valueAt(1))}, … ${show(high)}; step ${show(step)})`;
      }
      return undefined;
    },
    encode(v, out, offset) {
      const x = v as number;
      out[offset] = log ? (Math.log(x) - la) / (lb - la) : (indexOf(x) + 0.5) / n;
    },
    decode: (point, offset) => fromUnit(point[offset]!),
    encodeInactive(out, offset) {
      out[offset] = 0.5;
    },
    sample: (rng) => fromUnit(rng.random()),
    values: () => Array.from({ length: n }, (_, k) => valueAt(k)),
    gridValues(r) {
      if (n <= r) return Array.from({ length: n }, (_, k) => valueAt(k));
      if (log) {
        const picked = linspace(Math.log(low), Math.log(high), r).map((t, i) =>
          i === 0 ? low : i === r - 1 ? high : clamp(Math.round(Math.exp(t)), low, high),
        );
        return [...new Set(picked)];
      }
      return [...new Set(linspace(0, n - 1, r).map((t) => valueAt(Math.round(t))))];
    },
  };
}

function categoricalParam(name: string, raw: Record<string, unknown>): ParamModel {
  const choices = raw.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new SpaceError(name, `choices (${show(choices)}) must be a non-empty array`, choices);
  }
  /** Each choice by how it reads: a repeat of a reading is a duplicate, or two choices that read alike. */
  const byText = new Map<string, unknown>();
  for (let i = 0; i < choices.length; i++) {
    const c: unknown = choices[i];
    if (!isChoice(c)) {
      throw new SpaceError(
        name,
        `choice ${show(c)} is not allowed: choices are strings, finite numbers or booleans`,
        c,
      );
    }
    const text = String(c);
    if (!byText.has(text)) {
      byText.set(text, c);
      continue;
    }
    const twin = byText.get(text);
    if (twin === c) throw new SpaceError(name, `duplicate choice ${show(c)}`, c);
    throw new SpaceError(
      name,
      `choices ${show(twin)} and ${show(c)} read the same (${text}) in CSV, the report and on the command line, so results could not tell them apart: make them distinct`,
      c,
    );
  }
  const list = [...choices] as ParamValue[];
  const m = list.length;
  const when = parseWhen(name, raw.when);
  const json: CategoricalParamJSON = { type: 'categorical', choices: list };
  const w = whenJSON(when);
  if (w) json.when = w;
  return {
    name,
    json,
    kind: 'categorical',
    when,
    width: m,
    count: m,
    check(v) {
      return list.includes(v as ParamValue)
        ? undefined
        : `value ${show(v)} is not one of the choices ${show(list)}`;
    },
    encode(v, out, offset) {
      for (let i = 0; i < m; i++) out[offset + i] = 0;
      out[offset + list.indexOf(v)] = 1;
    },
    decode(point, offset) {
      let best = 0;
      for (let i = 1; i < m; i++) if (point[offset + i]! > point[offset + best]!) best = i;
      return list[best]!;
    },
    encodeInactive(out, offset) {
      for (let i = 0; i < m; i++) out[offset + i] = 0;
    },
    sample: (rng) => list[Math.min(m - 1, Math.floor(rng.random() * m))]!,
    values: () => [...list],
    gridValues: () => [...list],
  };
}

/** A deep copy of a canonical parameter definition (callers may mutate it freely). */
export function copyParamJSON(json: ParamJSON): ParamJSON {
  const out = { ...json } as ParamJSON;
  if (json.type === 'categorical') (out as CategoricalParamJSON).choices = [...json.choices];
  if (json.when) out.when = whenJSON(Object.entries(json.when).map(([p, v]) => [p, [...v]]))!;
  return out;
}
