import { CliError } from './errors.js';

const usage = (message: string) => new CliError(message, { exitCode: 2 });

/** Plain decimal digits: what `Number()` would also read from `1e3`, `0x10`, `0b1` or ` 7 ` is refused. */
const DIGITS = /^\d+$/;
/** A decimal number, optionally signed, with an optional exponent (no hex, no Infinity). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `--name` as an integer ≥ `min` (≥ 0), written in decimal digits. */
export function parseInteger(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!DIGITS.test(raw) || !Number.isSafeInteger(value) || value < min) {
    const hint =
      raw.trim() === '' || DIGITS.test(raw) || !Number.isSafeInteger(value) || value < min
        ? ''
        : ` in decimal digits (write ${value})`;
    throw usage(`--${name} (${raw}) must be an integer ≥ ${min}${hint}`);
  }
  return value;
}

/** `--name` as a finite decimal number. */
export function parseNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!DECIMAL.test(raw) || !Number.isFinite(value)) {
    throw usage(`--${name} (${raw}) must be a decimal number`);
  }
  return value;
}

/** `--name` as a finite decimal number > 0. */
export function parsePositive(name: string, raw: string): number {
  const value = Number(raw);
  if (!DECIMAL.test(raw) || !Number.isFinite(value) || value <= 0) {
    throw usage(`--${name} (${raw}) must be a number > 0`);
  }
  return value;
}

/** `--resolution 5` or `--resolution lr=5,momentum=3`. */
export function parseResolution(raw: string): number | Record<string, number> {
  if (!raw.includes('=')) return parseInteger('resolution', raw, 2);
  const out: Record<string, number> = {};
  for (const part of raw.split(',')) {
    const [name, value, ...rest] = part.split('=');
    if (!name || value === undefined || rest.length > 0) {
      throw usage(
        `--resolution (${raw}) must be a number or name=number pairs like lr=5,momentum=3`,
      );
    }
    out[name.trim()] = parseInteger(`resolution ${name.trim()}`, value.trim(), 2);
  }
  return out;
}

/** `--fsync always|never|<ms>` as fileStorage's `fsync` option. */
export function parseFsync(raw: string): 'always' | 'never' | { everyMs: number } {
  if (raw === 'always' || raw === 'never') return raw;
  if (/^\d+(\.\d+)?$/.test(raw.trim()) && Number(raw) > 0) return { everyMs: Number(raw) };
  throw usage(`--fsync (${raw}) must be always, never or a number of milliseconds > 0`);
}
