import { constants, type Stats } from 'node:fs';
import { open, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError, firstLine } from './errors.js';

/** A file the command reads or keeps: an output must not be it. */
export interface InputPath {
  /** How a message names it: `the study module`, `the journal (--storage j.jsonl)`. */
  what: string;
  /** As given, resolved against the working directory. */
  path: string;
}

/** A file the command writes. */
export interface OutputPath {
  /** The option that names it: `--out`. */
  flag: string;
  /** As given, resolved against the working directory. */
  path: string;
}

/** Where a path leads: its real path (through symbolic links), and the file's identity when it exists. */
interface Place {
  real: string;
  /** `dev:ino` of an existing file, so hard links to one file are the same place too. */
  id?: string;
  stats?: Stats;
}

const code = (error: unknown): unknown => (error as NodeJS.ErrnoException | undefined)?.code;

async function place(path: string): Promise<Place> {
  try {
    const stats = await stat(path);
    return { real: await realpath(path), id: `${stats.dev}:${stats.ino}`, stats };
  } catch {
    // Not there (yet): the real path of its directory and its name.
  }
  try {
    return { real: join(await realpath(dirname(path)), basename(path)) };
  } catch {
    return { real: path };
  }
}

const same = (a: Place, b: Place): boolean =>
  a.real === b.real || (a.id !== undefined && a.id === b.id);

/** Why the command cannot write `path` (an existing file or a new one), or undefined when it can. */
async function unwritable(path: string, at: Place): Promise<string | undefined> {
  if (at.stats?.isDirectory()) return 'is a directory';
  if (at.stats !== undefined) {
    // Devices, pipes and sockets (/dev/stdout) are written as they are; a regular file must open
    // for writing, which neither creates nor truncates it.
    if (!at.stats.isFile()) return undefined;
    try {
      await (await open(path, constants.O_WRONLY)).close();
      return undefined;
    } catch (error) {
      return `cannot write it: ${firstLine(error)}`;
    }
  }
  const dir = dirname(path);
  try {
    if (!(await stat(dir)).isDirectory()) return `${dir} is not a directory`;
  } catch (error) {
    return code(error) === 'ENOENT'
      ? `no such directory ${dir}`
      : `cannot reach ${dir}: ${firstLine(error)}`;
  }
  // Creating it is the one test that sees a read-only file system, permissions, ACLs and quotas
  // alike (access() lets root through where the write then fails).
  try {
    await (await open(path, 'wx')).close();
  } catch (error) {
    if (code(error) === 'EEXIST') return undefined; // created meanwhile: it is a file we may replace
    return `cannot write there: ${firstLine(error)}`;
  }
  await unlink(path).catch(() => undefined);
  return undefined;
}

/**
 * Checks the files a command is about to write, before it starts any work: each output must not
 * be one of `inputs` nor another output (compared by real path, and by identity where the file
 * exists, so symbolic and hard links count), must not be a directory, and its directory must
 * exist and take a new file (a regular file that exists must open for writing). Throws a CliError
 * (exit status 2) naming the option and the value: `--out (j.jsonl) is the journal (--storage
 * j.jsonl)`, `--csv (a.csv) and --out (a.csv) are the same file`, `--html (out/r.html): no such
 * directory /home/me/out`. Outputs that are undefined are skipped. Paths resolve against `cwd`.
 */
export async function checkOutputPaths(
  cwd: string,
  inputs: readonly InputPath[],
  outputs: readonly { flag: string; path: string | undefined }[],
): Promise<void> {
  const given = outputs.filter((o): o is OutputPath => o.path !== undefined);
  const ins = await Promise.all(inputs.map((i) => place(resolve(cwd, i.path))));
  const outs = await Promise.all(given.map((o) => place(resolve(cwd, o.path))));
  const usage = (message: string) => new CliError(message, { exitCode: 2 });
  for (const [k, out] of given.entries()) {
    const at = outs[k]!;
    const input = inputs.find((_, i) => same(at, ins[i]!));
    if (input !== undefined) throw usage(`${out.flag} (${out.path}) is ${input.what}`);
    const earlier = given.findIndex((_, i) => i < k && same(at, outs[i]!));
    if (earlier >= 0) {
      const first = given[earlier]!;
      throw usage(
        `${first.flag} (${first.path}) and ${out.flag} (${out.path}) are the same file: each output needs its own`,
      );
    }
  }
  for (const [k, out] of given.entries()) {
    const why = await unwritable(resolve(cwd, out.path), outs[k]!);
    if (why !== undefined) throw usage(`${out.flag} (${out.path}): ${why}`);
  }
}
