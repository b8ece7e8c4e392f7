import { createDataset, type Dataset } from './dataset.js';
import { HarnessError } from './errors.js';

/** Where the shipped digits file lies, relative to the built module (works in Node and behind a bundler that copies assets). */
export const DIGITS_URL: URL = new URL('../data/digits.csv.gz', import.meta.url);

/**
 * Parses the digits CSV (no header; each row 64 pixel values 0..16 of an 8×8 image, row-major,
 * then the class 0..9) into a {@link Dataset} with `imageShape` [8, 8]. Pixels are kept raw
 * (0..16); scaling happens at split time.
 */
export function parseDigitsCsv(text: string): Dataset {
  const rows = text.split('\n').filter((line) => line.trim() !== '');
  const features = new Float32Array(rows.length * 64);
  const labels = new Int32Array(rows.length);
  rows.forEach((line, i) => {
    const cells = line.split(',');
    if (cells.length !== 65) {
      throw new HarnessError(`digits: row ${i} has ${cells.length} columns, expected 65`);
    }
    for (let j = 0; j < 64; j++) features[i * 64 + j] = Number(cells[j]);
    // Int32Array would store NaN as 0 and 3.5 as 3 without a word.
    const cell = cells[64]!.trim();
    const label = cell === '' ? Number.NaN : Number(cell);
    if (!Number.isInteger(label)) {
      throw new HarnessError(
        `digits: row ${i}: the class (${JSON.stringify(cell)}) must be an integer`,
      );
    }
    labels[i] = label;
  });
  return createDataset({
    features,
    labels,
    numFeatures: 64,
    numClasses: 10,
    imageShape: [8, 8],
    name: 'digits',
  });
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function readUrl(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    // A variable specifier keeps bundlers from pulling a Node builtin into browser builds.
    const fsModule = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
    return new Uint8Array(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new HarnessError(`loadDigits: fetching ${url} failed with HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Loads the UCI optical-digits set (1797 examples, 64 features, 10 classes) shipped with this
 * package. `source` may be the file's bytes (gzip or plain CSV), or a URL to fetch (default: the
 * shipped file next to this module; `file:` URLs are read with node:fs). Decompression uses
 * `DecompressionStream('gzip')`, present in browsers and Node ≥ 18.
 */
export async function loadDigits(
  source: URL | string | ArrayBuffer | Uint8Array = DIGITS_URL,
): Promise<Dataset> {
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else bytes = await readUrl(typeof source === 'string' ? new URL(source, DIGITS_URL) : source);
  return parseDigitsCsv(new TextDecoder().decode(await gunzip(bytes)));
}
