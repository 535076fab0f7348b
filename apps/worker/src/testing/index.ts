export { capturingLogger } from './capturing-logger.js';
export { folderLockHolds, folderOverlaps, type LockHold, overlappingHolds } from './lock-holds.js';
