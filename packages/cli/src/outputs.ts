import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firstLine } from './errors.js';

/** One file a run writes at its end. */
export interface OutputFile {
  /** The option that names it (`--out`). */
  flag: string;
  /** How the summary labels it (`results`, `csv`, `report`). */
  label: string;
  /** As given; resolved against the working directory. */
  path: string;
  /** Its content, made only when it is written (an HTML report of a large study takes a while). */
  content: () => string;
}

/** What {@link writeOutputs} did. */
export interface WrittenOutputs {
  /** `label: absolute path` lines for the summary, for the files written. */
  lines: string[];
  /** Whether any output could not be written. */
  failed: boolean;
}

/**
 * Writes each output on its own, so one that fails (a full disk, a directory removed meanwhile)
 * does not cancel the others. For each failure it writes `webtune: --csv (r.csv): could not write
 * it: …` to `stderr`, then once where the results can still be found: the journal when there is
 * one, else `--out` when that was written, else a study JSON it writes to the temporary directory
 * (`rescue`), named in the message — each with the `webtune report` command that writes the
 * outputs from it.
 */
export async function writeOutputs(
  cwd: string,
  files: readonly OutputFile[],
  stderr: { write(text: string): unknown },
  rescue: { journal?: string; json: () => string; out?: string },
): Promise<WrittenOutputs> {
  const lines: string[] = [];
  const failures: OutputFile[] = [];
  for (const file of files) {
    const path = resolve(cwd, file.path);
    try {
      await writeFile(path, file.content());
      lines.push(`${file.label}: ${path}\n`);
    } catch (error) {
      failures.push(file);
      stderr.write(
        `webtune: ${file.flag} (${file.path}): could not write it: ${firstLine(error)}\n`,
      );
    }
  }
  if (failures.length === 0) return { lines, failed: false };
  const again = failures.map((f) => (f.flag === '--out' ? '' : ` ${f.flag} <file>`)).join('');
  const command = (from: string) => `webtune report ${from}${again}`;
  const out = rescue.out === undefined ? undefined : resolve(cwd, rescue.out);
  if (rescue.journal !== undefined) {
    stderr.write(
      `webtune: every trial is in the journal ${rescue.journal}${again ? `; \`${command(rescue.journal)}\` writes the missing outputs from it` : ''}\n`,
    );
  } else if (out !== undefined && !failures.some((f) => f.flag === '--out')) {
    stderr.write(
      `webtune: every trial is in ${out}; \`${command(out)}\` writes the missing outputs from it\n`,
    );
  } else {
    const file = join(
      tmpdir(),
      `webtune-study-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.json`,
    );
    try {
      await writeFile(file, rescue.json(), { flag: 'wx' });
      stderr.write(
        `webtune: saved the study to ${file} instead${again ? `; \`${command(file)}\` writes the missing outputs from it` : ''}\n`,
      );
    } catch (error) {
      stderr.write(
        `webtune: could not save the study to ${file} either (${firstLine(error)}): only the summary on stdout is left\n`,
      );
    }
  }
  return { lines, failed: true };
}
