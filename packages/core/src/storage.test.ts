import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStorage } from './fileStorage.js';
import { memoryStorage } from './storage.js';
import { describeStorageConformance } from './testing/index.js';
import type { Storage } from './types.js';

// indexedDBStorage runs the same cases in Chromium (test/browser/storage-indexeddb.spec.ts),
// postgresStorage in packages/storage-postgres.

const memories = new Map<string, Storage>();
let places = 0;
describeStorageConformance('memoryStorage', {
  fresh: () => `memory-${places++}`,
  open(place) {
    let storage = memories.get(place);
    if (storage === undefined) memories.set(place, (storage = memoryStorage()));
    return storage;
  },
  writers: true,
  persistent: true,
});

const dir = mkdtempSync(join(tmpdir(), 'webtune-conformance-'));
describeStorageConformance('fileStorage', {
  fresh: () => join(dir, `journal-${places++}.jsonl`),
  open: (path) => fileStorage(path, { fsync: false, onWarning: () => {} }),
});
