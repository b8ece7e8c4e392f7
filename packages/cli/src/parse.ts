import { CliError } from './errors.js';

const usage = (message: string) => new CliError(message, { exitCode: 2 });

/** `--name` as an integer ≥ `min`. */
export function parseInteger(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    throw usage(`--${name} (${raw}) must be an integer ≥ ${min}`);
  }
  return value;
}

/** A decimal number, optionally signed, with an optional exponent (no hex, no Infinity). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `--name` as a finite decimal number. */
export function parseNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!DECIMAL.test(raw) || !Number.isFinite(value)) {
    throw usage(`--${name} (${raw}) must be a decimal number`);
  }
  return value;
}

/** `--name` as a finite number > 0. */
export function parsePositive(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
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
    out[name.trim()] = parseInteger(`resolution ${name.trim()}`, value, 2);
  }
  return out;
}

/** `--fsync always|never|<ms>` as fileStorage's `fsync` option. */
export function parseFsync(raw: string): 'always' | 'never' | { everyMs: number } {
  if (raw === 'always' || raw === 'never') return raw;
  if (/^\d+(\.\d+)?$/.test(raw.trim()) && Number(raw) > 0) return { everyMs: Number(raw) };
  throw usage(`--fsync (${raw}) must be always, never or a number of milliseconds > 0`);
}
