export { type FileStorageOptions, fileStorage } from './fileStorage.js';
