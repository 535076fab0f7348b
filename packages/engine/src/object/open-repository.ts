import type { MasterKeys } from './master-keys.js';
import type { PackedBlobs } from './object-index.js';
import type { ObjectStore } from './object-store.js';

/**
 * What an open repository holds: its id, its keys and its blobs. The repository (object-repository.ts)
 * makes it; the backup, the reads and the mark phase work on it, so that none of them imports the
 * repository that calls them.
 */
export interface OpenRepository {
  id: string;
  store: ObjectStore;
  keys: MasterKeys;
  blobs: PackedBlobs;
  chunker: { min: number; maskBits: number; max: number };
  packTarget: number | undefined;
}
