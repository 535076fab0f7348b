export { FileStore } from './file-store.js';
export { ObjectRepository, type ObjectRepositoryOptions } from './object-repository.js';
export {
  checkObjectName,
  checkObjectPrefix,
  checkRange,
  InvalidObjectNameError,
  isObjectName,
  MAX_OBJECT_NAME_LENGTH,
  type ObjectEntry,
  ObjectNotFoundError,
  type ObjectStore,
  type PutIfAbsentResult,
  repositoryUnavailable,
} from './object-store.js';
