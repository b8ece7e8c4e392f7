import type { CliIO } from './program.js';
/**
 * An error the `webtune` command reports as one line on stderr (no stack trace), with an exit
 * status: 2 for bad usage (arguments, unknown strategy), 1 for everything else.
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** The first line of an error's message, for one-line reports. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!.trim() || String(error);
}

/** The message of a thrown value: `error.message` (else its name) for errors, `String(value)` otherwise. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  try {
    return String(error);
  } catch {
    return 'unknown error';
  }
}

/** Writes a warning on `io.stderr` as one `webtune: warning: …` line. */
export const warner =
  (io: Pick<CliIO, 'stderr'>) =>
  (message: string): void => {
    io.stderr.write(`webtune: warning: ${message}\n`);
  };
