export { type FileStorage, type FileStorageOptions, fileStorage } from './fileStorage.js';
