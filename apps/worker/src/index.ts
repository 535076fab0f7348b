export { type FolderLock, tryLockFolder } from './folder-lock.js';
export { type ReconcileOptions, type ReconcileReport, reconcile } from './reconciler.js';
export { type RunningWorker, type StallSettings, startWorker, type WorkerDeps } from './worker.js';
