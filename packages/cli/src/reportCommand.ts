import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import {
  type FrozenTrial,
  parseStudyJSON,
  type StudyMeta,
  toStudyCSV,
  toStudyJSON,
} from '@webtune/core';
import { fileStorage } from '@webtune/core/node';
import type { Command } from 'commander';
import { isDatabaseUrl, openDatabase, showDatabase, studyNameFor } from './database.js';
import { CliError, firstLine, warner } from './errors.js';
import { formatBest, formatImportances } from './output.js';
import { type OutputFile, writeOutputs } from './outputs.js';
import { checkOutputPaths } from './paths.js';
import type { CliIO } from './program.js';
import { renderReport, studyImportances } from './report.js';

/** A study read back from a file: what `webtune run --out` wrote, or a `--storage` journal. */
export interface SavedStudy {
  kind: 'study JSON' | 'journal' | 'database study';
  meta: StudyMeta;
  /** Ordered by number; a journal's running trials stay running (its run may still be going). */
  trials: FrozenTrial[];
}

const NEITHER = 'neither a study JSON (webtune run --out) nor a journal (webtune run --storage)';

function isJournalHeader(line: string): boolean {
  try {
    const record = JSON.parse(line);
    return typeof record === 'object' && record !== null && record.op === 'study';
  } catch {
    return false;
  }
}

/** Bytes read at a time while looking for a file's first non-blank line. */
const HEAD_CHUNK = 4096;
/** Past this many bytes without the end of its first non-blank line, a file is not a journal. */
const HEAD_MAX = 1 << 20;

/**
 * The first non-blank line of a file (without its line break or leading whitespace), read
 * 4 KB at a time only as far as that line's end — a journal's study line, not the trials after
 * it. Undefined when the file holds nothing but whitespace; the first 1 MiB when the line is
 * longer than that.
 * @throws the file system's error (missing file, a directory, no permission).
 */
export async function firstNonBlankLine(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    const chunk = Buffer.alloc(HEAD_CHUNK);
    let text = '';
    /** Index in `text` of the line's first non-blank character; -1 while there is none. */
    let start = -1;
    let read = 0;
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, HEAD_CHUNK, null);
      read += bytesRead;
      const from = text.length;
      text += bytesRead > 0 ? decoder.write(chunk.subarray(0, bytesRead)) : decoder.end();
      if (start < 0) {
        start = text.search(/\S/);
        if (start < 0) text = '';
      }
      if (start >= 0) {
        const end = text.indexOf('\n', Math.max(start, from));
        if (end >= 0) return text.slice(start, end);
      }
      if (bytesRead === 0) return start < 0 ? undefined : text.slice(start);
      if (read >= HEAD_MAX) return start < 0 ? '' : text.slice(start);
    }
  } finally {
    await file.close();
  }
}

function unreadable(path: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  return new CliError(
    code === 'ENOENT'
      ? `${path}: no such file`
      : code === 'EISDIR'
        ? `${path}: is a directory, not a study file`
        : `${path}: cannot read it: ${firstLine(error)}`,
  );
}

/**
 * Reads a study saved by `webtune run --out` or kept by `--storage` (opened with
 * `fileStorage(path, { readOnly: true })`: the journal is not written, not even cut). Which of
 * the two it is, the first non-blank line decides (read alone: a journal is not loaded twice).
 * Every problem is a CliError naming the path: missing, unreadable, neither kind, or a corrupt
 * journal (with the line). Journal warnings (an incomplete last line) go to `warn`.
 */
export async function readSavedStudy(
  path: string,
  warn: (message: string) => void = () => {},
): Promise<SavedStudy> {
  let head: string | undefined;
  try {
    head = await firstNonBlankLine(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (head === undefined) throw new CliError(`${path}: the file is empty: ${NEITHER}`);
  if (isJournalHeader(head)) {
    const storage = fileStorage(path, { readOnly: true, fsync: false, onWarning: warn });
    try {
      const meta = await storage.getStudy();
      if (meta === undefined) throw new Error(`${path}: the journal holds no study`);
      return { kind: 'journal', meta, trials: await storage.getTrials() };
    } catch (error) {
      throw new CliError(`corrupt journal: ${firstLine(error)}`, { cause: error });
    }
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw unreadable(path, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const why = (error as Error).message.replace(/\s+/g, ' ');
    throw new CliError(`${path}: ${NEITHER}: not JSON (${why})`);
  }
  try {
    return { kind: 'study JSON', ...parseStudyJSON(json) };
  } catch (error) {
    throw new CliError(`${path}: not a study JSON (webtune run --out): ${firstLine(error)}`, {
      cause: error,
    });
  }
}

interface ReportFlags {
  storage?: string;
  study?: string;
  html?: string;
  csv?: string;
  /** False with --no-importance. */
  importance: boolean;
}

/** Study `name` read from the database at `url` (running trials as they are: the study may be live). */
async function readDatabaseStudy(url: string, name: string, io: CliIO): Promise<SavedStudy> {
  const storage = await openDatabase(url, {
    reconnectMs: 5000,
    onWarning: warner(io),
  });
  try {
    const found = await storage.readStudy(name);
    if (found === undefined) {
      throw new CliError(
        `no study "${name}" at ${showDatabase(url)} (webtune status --storage … lists them)`,
      );
    }
    return { kind: 'database study', ...found };
  } finally {
    await storage.close();
  }
}

async function reportCommand(
  file: string | undefined,
  flags: ReportFlags,
  io: CliIO,
): Promise<number> {
  const database = flags.storage;
  if (database !== undefined && !isDatabaseUrl(database)) {
    throw new CliError(
      `--storage (${database}) must be a database (postgres://…); give a journal or study JSON as the file argument`,
      { exitCode: 2 },
    );
  }
  if ((database === undefined) === (file === undefined)) {
    throw new CliError(
      file === undefined
        ? 'give a study file (webtune report study.json | journal.jsonl) or a database study (--storage postgres://… --study NAME)'
        : 'give either a study file or --storage, not both',
      { exitCode: 2 },
    );
  }
  if (flags.study !== undefined && database === undefined) {
    throw new CliError('--study needs --storage postgres://…', { exitCode: 2 });
  }
  const path =
    database === undefined
      ? resolve(io.cwd, file!)
      : `study "${studyNameFor(database, flags.study)}" at ${showDatabase(database)}`;
  await checkOutputPaths(io.cwd, database === undefined ? [{ what: 'the study file', path }] : [], [
    { flag: '--html', path: flags.html },
    { flag: '--csv', path: flags.csv },
  ]);
  const saved =
    database === undefined
      ? await readSavedStudy(path, warner(io))
      : await readDatabaseStudy(database, flags.study!, io);
  const { meta, trials } = saved;
  const json = toStudyJSON(meta, trials);
  const written = await writeOutputs(
    io.cwd,
    [
      { flag: '--html', label: 'report', path: flags.html, content: () => renderReport(json) },
      {
        flag: '--csv',
        label: 'csv',
        path: flags.csv,
        content: () => toStudyCSV(meta.space, trials),
      },
    ].filter((f): f is OutputFile => f.path !== undefined),
    io.stderr,
    { out: path, json: () => `${JSON.stringify(json, null, 2)}\n` },
  );

  io.stdout.write(
    `${path}: ${saved.kind} of a study to ${meta.direction}, strategy ${meta.strategy}, seed ${meta.seed}\n`,
  );
  const bestTrial = trials.find((t) => t.number === json.best?.number);
  io.stdout.write(formatBest({ trials, bestTrial }, meta.strategy));
  if (flags.importance) {
    io.stdout.write(formatImportances(studyImportances(json.trials, json.space)));
  }
  for (const line of written.lines) io.stdout.write(line);
  return written.failed ? 1 : 0;
}

/** Adds `webtune report <study.json | journal.jsonl> [--html f] [--csv f]` to the program. */
export function addReportCommand(program: Command, io: CliIO, done: (code: number) => void): void {
  program
    .command('report')
    .description(
      'summarise a saved study (webtune run --out), a journal (--storage, read only) or a database study (--storage postgres://… --study NAME, live), and write its HTML report or CSV',
    )
    .argument(
      '[study-file]',
      'study JSON or journal (.jsonl), relative to the current directory (or --storage and --study)',
    )
    .option('--storage <url>', 'read the study from this database, postgres://…, live')
    .option('--study <name>', 'with --storage: the study')
    .option('--html <file>', 'write the HTML report')
    .option('--csv <file>', 'write the trials as CSV')
    .option('--no-importance', 'skip the importance line')
    .action(async (file: string | undefined, flags: ReportFlags) => {
      done(await reportCommand(file, flags, io));
    });
}
