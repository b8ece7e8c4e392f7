import { describe, expect, it } from 'vitest';
import { indexedDBStorage } from './indexedDBStorage.js';

// The storage itself runs in headless Chromium: test/browser/storage-indexeddb.spec.ts.
describe('indexedDBStorage in Node', () => {
  it('throws at once, pointing to fileStorage, where there is no indexedDB', () => {
    expect(typeof indexedDB).toBe('undefined');
    expect(() => indexedDBStorage('study')).toThrow(
      'indexedDBStorage: this environment has no indexedDB (browsers and web workers have it; in Node use fileStorage from @webtune/core/node)',
    );
  });

  it('validates its arguments first', () => {
    expect(() => indexedDBStorage('')).toThrow(
      'indexedDBStorage: dbName () must be a non-empty string',
    );
  });
});
