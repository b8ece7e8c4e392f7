import { createStudy, STALE_TRIAL_ERROR } from '@webtune/core';
import { indexedDBStorage } from '@webtune/core/browser';
import { random } from '@webtune/strategies';

/*
 * The page storage-indexeddb.spec.ts drives: the built packages through their public entry points
 * (so the @webtune/core/browser export is what a bundler sees), exposed as window.webtune.
 */

export const api = { createStudy, indexedDBStorage, random, STALE_TRIAL_ERROR };

(globalThis as unknown as { webtune: typeof api }).webtune = api;
