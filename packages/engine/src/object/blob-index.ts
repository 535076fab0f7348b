import type { BlobKind } from './blob.js';

/** Where one blob is: its pack's object name, and its sealed bytes' place in it. */
export interface BlobPlace {
  kind: BlobKind;
  pack: string;
  offset: number;
  length: number;
}

/** A stored pack and the blobs its header lists. */
export interface PackBlobs {
  /** The pack's object name, `<kind>/<2 hex>/<64 hex>`. */
  pack: string;
  kind: BlobKind;
  /** The pack's size in bytes. */
  size: number;
  blobs: { id: Buffer; offset: number; length: number }[];
}

/**
 * Where a repository's blobs are: what a backup asks before it stores a chunk, and what a read
 * asks for a blob's bytes. It may lag behind the repository (a pack stored by another writer and
 * not recorded here yet) but never runs ahead of it: a pack is recorded only once it is stored.
 * Every method is safe to call from several processes at once.
 */
export interface BlobIndex {
  /** The ids among `ids` (as hex) that a recorded pack holds; one question for many ids. */
  existing(ids: readonly Buffer[]): Promise<Set<string>>;
  /** Where a recorded pack holds the blob, or null. */
  place(id: Buffer): Promise<BlobPlace | null>;
  /** Records a stored pack and its blobs; recording one twice, or the same blob in two packs, is harmless. */
  record(pack: PackBlobs): Promise<void>;
  /** The names among `packs` that are not recorded yet. */
  unrecorded(packs: readonly string[]): Promise<Set<string>>;
}
