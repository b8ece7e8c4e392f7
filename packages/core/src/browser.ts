export {
  type IndexedDBStorage,
  type IndexedDBStorageOptions,
  indexedDBStorage,
} from './indexedDBStorage.js';
