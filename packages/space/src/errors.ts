/**
 * Thrown for an invalid space definition or a configuration/point that does not fit the space.
 * The message names the parameter and the value, e.g.
 * `space.lr: low (0) must be > 0 for a log-scaled float`.
 */
export class SpaceError extends Error {
  /** The parameter at fault; undefined when the error concerns the space as a whole. */
  readonly param: string | undefined;
  /** The offending value (a bound, an option, a choice, a configuration value …). */
  readonly value: unknown;

  constructor(param: string | undefined, message: string, value?: unknown) {
    super(param === undefined ? `space: ${message}` : `space.${param}: ${message}`);
    this.name = 'SpaceError';
    this.param = param;
    this.value = value;
  }
}

/** Formats a value for an error message: strings quoted, numbers as JS prints them. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) {
    return String(value);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
