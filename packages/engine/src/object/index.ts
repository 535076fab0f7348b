export type { BlobIndex, BlobPlace, PackBlobs } from './blob-index.js';
export { FileStore } from './file-store.js';
export { MemoryBlobIndex } from './memory-blob-index.js';
export {
  CHECK_FINDINGS,
  type CheckCatalog,
  type CheckFinding,
  type CheckFindingCode,
  type CheckOptions,
  type CheckReport,
  MAX_FINDINGS,
  type ReadData,
} from './object-check.js';
export type { CatchUpCounts } from './object-index.js';
export {
  type PruneCatalog,
  type PruneHorizon,
  type PruneOptions,
  type PrunePack,
  type PrunePackState,
  type PrunePoint,
  type PruneReport,
  REPACK_BELOW,
} from './object-prune.js';
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
export {
  addKey,
  type KeyInfo,
  type KeyOptions,
  listKeys,
  removeKey,
  rotateKey,
} from './repository-keys.js';
export {
  type SyntheticRepository,
  type SyntheticShape,
  syntheticChunks,
  syntheticGarbage,
  syntheticPlan,
  writeSyntheticRepository,
} from './synthetic-repository.js';
