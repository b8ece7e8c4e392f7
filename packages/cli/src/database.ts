import type { PostgresStorage, PostgresStorageOptions } from '@webtune/storage-postgres';
import { CliError } from './errors.js';

/** Whether `--storage` names a database server rather than a journal file. */
export const isDatabaseUrl = (storage: string): boolean => /^postgres(ql)?:\/\//i.test(storage);

/** `postgres://host:port/db` of a connection string: without user and password, for messages. */
export function showDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'the database';
  }
}

/** `--study NAME`, required with a database storage. */
export function studyNameFor(storage: string, study: string | undefined): string {
  if (study === undefined || study === '') {
    throw new CliError(
      `--storage ${showDatabase(storage)} holds many studies: name one with --study NAME (as Optuna's study_name)`,
      { exitCode: 2 },
    );
  }
  return study;
}

/**
 * A storage on the PostgreSQL server at `url` (`@webtune/storage-postgres`, loaded only when a
 * command names a database, so runs on a journal do not load `pg`).
 */
export async function openDatabase(
  url: string,
  options: PostgresStorageOptions,
): Promise<PostgresStorage> {
  const { postgresStorage } = await import('@webtune/storage-postgres');
  return postgresStorage(url, options);
}
