export type { BlobIndex, BlobPlace, PackBlobs } from './blob-index.js';
export { FileStore } from './file-store.js';
export { MemoryBlobIndex } from './memory-blob-index.js';
export type { CatchUpCounts } from './object-index.js';
export {
  ObjectRepository,
  type ObjectRepositoryOptions,
  type SnapshotRecord,
} from './object-repository.js';
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
