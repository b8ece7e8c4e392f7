import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Dataset } from './dataset.js';
import { DIGITS_URL, parseDigitsCsv } from './digits.js';

/** Absolute filesystem path of the shipped digits.csv.gz. */
export const digitsPath: string = fileURLToPath(DIGITS_URL);

/** Synchronous Node loader for the shipped digits set (fs + zlib); see `loadDigits` for the format. */
export function loadDigitsSync(path: string = digitsPath): Dataset {
  return parseDigitsCsv(gunzipSync(readFileSync(path)).toString('utf8'));
}
