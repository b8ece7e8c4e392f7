import { describe, it } from 'vitest';
import { type StorageFixture, storageCases } from './storageCases.js';

export {
  type StorageCase,
  type StorageFixture,
  storageCases,
} from './storageCases.js';

/**
 * The storage conformance suite under Vitest: one test per case of {@link storageCases} that
 * applies to the fixture's storages. Every storage runs it (memoryStorage, fileStorage,
 * postgresStorage here; indexedDBStorage in Chromium through `@webtune/core/testing/cases`).
 */
export function describeStorageConformance(
  name: string,
  fixture: StorageFixture,
  options: { timeout?: number } = {},
): void {
  describe(`storage conformance: ${name}`, () => {
    for (const c of storageCases(fixture)) it(c.name, () => c.run(), options.timeout);
  });
}
