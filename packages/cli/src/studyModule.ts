import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Direction, Objective } from '@webtune/core';
import { createSpace, isSpace, type Space } from '@webtune/space';
import { CliError, firstLine } from './errors.js';

/** A study module, loaded and checked. */
export interface StudyModule {
  /** The absolute path it was loaded from. */
  path: string;
  space: Space;
  objective: Objective;
  direction: Direction;
  /** The module's default budget, when it exports `trials`. */
  trials?: number;
}

/**
 * Imports an ES module exporting `space` (a Space or its JSON form), `objective(params, trial)`,
 * and optionally `direction` ('minimize' by default) and `trials`; named exports, or the same
 * fields on a default-exported object. `path` is resolved against `cwd`.
 */
export async function loadStudyModule(path: string, cwd = process.cwd()): Promise<StudyModule> {
  const abs = resolve(cwd, path);
  if (!existsSync(abs)) throw new CliError(`study module ${path} not found (looked for ${abs})`);
  let exports: Record<string, unknown>;
  try {
    exports = await import(pathToFileURL(abs).href);
  } catch (error) {
    throw new CliError(`study module ${path} failed to load: ${firstLine(error)}`, {
      cause: error,
    });
  }
  const fallback = exports.default;
  const get = (name: string): unknown =>
    name in exports
      ? exports[name]
      : typeof fallback === 'object' && fallback !== null
        ? (fallback as Record<string, unknown>)[name]
        : undefined;

  const objective = get('objective');
  if (typeof objective !== 'function') {
    throw new CliError(`study module ${path} exports no objective function`);
  }
  const rawSpace = get('space');
  if (rawSpace === undefined) throw new CliError(`study module ${path} exports no space`);
  // SpaceError messages already name the parameter: "space.lr: low (0) must be > 0 …".
  const space = isSpace(rawSpace)
    ? rawSpace
    : createSpace(rawSpace as Parameters<typeof createSpace>[0]);

  const direction = get('direction') ?? 'minimize';
  if (direction !== 'minimize' && direction !== 'maximize') {
    throw new CliError(
      `study module ${path}: direction (${JSON.stringify(direction)}) must be "minimize" or "maximize"`,
    );
  }
  const trials = get('trials');
  if (trials !== undefined && !(Number.isSafeInteger(trials) && (trials as number) >= 1)) {
    throw new CliError(`study module ${path}: trials (${String(trials)}) must be an integer ≥ 1`);
  }
  return {
    path: abs,
    space,
    objective: objective as Objective,
    direction,
    ...(trials === undefined ? {} : { trials: trials as number }),
  };
}
