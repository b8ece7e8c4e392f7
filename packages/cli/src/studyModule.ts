import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Direction, Objective, Pruner } from '@webtune/core';
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
  /** The module's pruner, when it exports `pruner` (e.g. `hyperbandPruner()` from @webtune/core). */
  pruner?: Pruner;
}

/**
 * Imports an ES module exporting `space` (a Space or its JSON form), `objective(params, trial)`,
 * and optionally `direction` ('minimize' by default), `trials` and `pruner` (a core `Pruner`:
 * an object with a name and `shouldPrune()`); named exports, or the same
 * fields on a default-exported object. `path` is resolved against `cwd`.
 */
export async function loadStudyModule(path: string, cwd = process.cwd()): Promise<StudyModule> {
  const abs = resolve(cwd, path);
  if (!existsSync(abs)) throw new CliError(`study module ${path} not found (looked for ${abs})`);
  let exports: Record<string, unknown>;
  try {
    exports = await import(pathToFileURL(abs).href);
  } catch (error) {
    // Whatever the loader said (Node's SyntaxError, or a bundler's parse error under a test
    // runner), a file that does not parse is reported with V8's line and column.
    const where = syntaxErrorAt(abs);
    throw new CliError(`study module ${path} failed to load: ${where ?? firstLine(error)}`, {
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
  const pruner = get('pruner');
  if (
    pruner !== undefined &&
    (typeof pruner !== 'object' ||
      pruner === null ||
      typeof (pruner as Pruner).shouldPrune !== 'function' ||
      typeof (pruner as Pruner).name !== 'string')
  ) {
    throw new CliError(
      `study module ${path}: pruner (${describe(pruner)}) must be a pruner: an object with a name and a shouldPrune() method, e.g. medianPruner() from @webtune/core`,
    );
  }
  return {
    path: abs,
    space,
    objective: objective as Objective,
    direction,
    ...(trials === undefined ? {} : { trials: trials as number }),
    ...(pruner === undefined ? {} : { pruner: pruner as Pruner }),
  };
}

/** A short description of an exported value for an error message. */
function describe(x: unknown): string {
  if (typeof x === 'function') return `a function${x.name ? ` ${x.name}` : ''}`;
  if (typeof x === 'string') return JSON.stringify(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/**
 * Where V8 finds a syntax error in the file `abs`, as `syntax error at line 3, column 15:
 * Unexpected token '*' (in: return p.x +* 2;)`; undefined when the file itself parses (the
 * error is elsewhere: in a module it imports, or an import that names a missing export).
 * Node 20's `import()` rejects with a SyntaxError that names neither the file nor the place; `node
 * --check` prints both, from the same parser.
 */
function syntaxErrorAt(abs: string): string | undefined {
  const checked = spawnSync(process.execPath, ['--check', abs], { encoding: 'utf8' });
  if (checked.status === 0 || typeof checked.stderr !== 'string') return undefined;
  const lines = checked.stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${abs}:`));
  const message = lines.find((l) => l.startsWith('SyntaxError: '));
  if (at < 0 || message === undefined) return undefined;
  const line = Number(lines[at]!.slice(abs.length + 1));
  const source = lines[at + 1] ?? '';
  const caret = (lines[at + 2] ?? '').indexOf('^');
  const column = (caret < 0 ? source.length : caret) + 1;
  return `syntax error at line ${line}, column ${column}: ${message.slice('SyntaxError: '.length)} (in: ${source.trim()})`;
}
