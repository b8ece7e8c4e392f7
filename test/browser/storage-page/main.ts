import { createStudy, STALE_TRIAL_ERROR } from '@webtune/core';
import { indexedDBStorage } from '@webtune/core/browser';
import { storageCases } from '@webtune/core/testing/cases';
import { random } from '@webtune/strategies';

/*
 * The page storage-indexeddb.spec.ts drives: the built packages through their public entry points
 * (so the @webtune/core/browser export is what a bundler sees), exposed as window.webtune.
 */

let databases = 0;
/** The storage conformance suite's cases on this page's IndexedDB: two tabs' worth of writers. */
const cases = storageCases({
  fresh: () => `conformance-${Date.now()}-${databases++}`,
  open: (name) => indexedDBStorage(name, { onWarning: () => {} }),
  writers: true,
});

/** Runs the conformance case named `name`; rejects with what differs. */
async function runStorageCase(name: string): Promise<void> {
  const found = cases.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no storage conformance case "${name}"`);
  await found.run();
}

export const api = {
  createStudy,
  indexedDBStorage,
  random,
  STALE_TRIAL_ERROR,
  runStorageCase,
  caseNames: cases.map((c) => c.name),
};

(globalThis as unknown as { webtune: typeof api }).webtune = api;
