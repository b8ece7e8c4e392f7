export {
  type PostgresStorage,
  type PostgresStorageOptions,
  postgresStorage,
  type StoredStudy,
  type WorkerInfo,
} from './postgresStorage.js';
export { migrateSchema, SCHEMA_VERSION } from './schema.js';
