import { EngineError } from '../errors.js';
import type { BlobPlace } from './blob-index.js';
import type { ObjectStore } from './object-store.js';

/** Blobs of one pack at most this many bytes apart are read in one range read (the gap read too). */
export const READ_GAP = 4 * 1024;
/** The most bytes one coalesced range read asks for; a blob larger than this is read alone. */
export const READ_MAX = 8 * 1024 * 1024;
/** Range reads in flight at once. */
export const READS_IN_FLIGHT = 4;

/** A blob to read, and where a recorded pack holds it. */
export interface PlacedBlob {
  hex: string;
  place: BlobPlace;
}

/** One range read: a stretch of one pack, and the blobs in it. */
export interface PackRead {
  pack: string;
  offset: number;
  length: number;
  blobs: PlacedBlob[];
}

/**
 * The range reads that fetch these blobs: grouped by pack, in the order of their offsets, blobs
 * at most READ_GAP apart in one read of at most READ_MAX bytes. Each distinct blob is read once.
 */
export function planPackReads(blobs: readonly PlacedBlob[]): PackRead[] {
  const byPack = new Map<string, Map<string, PlacedBlob>>();
  for (const blob of blobs) {
    const pack = byPack.get(blob.place.pack) ?? new Map<string, PlacedBlob>();
    byPack.set(blob.place.pack, pack);
    pack.set(blob.hex, blob);
  }
  const reads: PackRead[] = [];
  for (const [pack, distinct] of byPack) {
    const sorted = [...distinct.values()].sort((a, b) => a.place.offset - b.place.offset);
    let current: PackRead | undefined;
    for (const blob of sorted) {
      const { offset, length } = blob.place;
      const end = Math.max(offset + length, current ? current.offset + current.length : 0);
      if (
        current &&
        offset - (current.offset + current.length) <= READ_GAP &&
        end - current.offset <= READ_MAX
      ) {
        current.length = end - current.offset;
        current.blobs.push(blob);
      } else {
        current = { pack, offset, length, blobs: [blob] };
        reads.push(current);
      }
    }
  }
  return reads;
}

/**
 * The sealed bytes of each blob (by hex id), read with the planned range reads, READS_IN_FLIGHT
 * at a time. The bytes are not authenticated here: the caller decodes each blob before it uses
 * it. A read the repository cannot answer (REPOSITORY_DAMAGED: a missing pack) gives that error
 * for its blobs; a coalesced read that fails so is read again blob by blob, so that exactly the
 * blobs that cannot be read are named. Any other error (or the signal) ends the whole read.
 */
export async function readPacked(
  store: ObjectStore,
  blobs: readonly PlacedBlob[],
  signal?: AbortSignal,
): Promise<Map<string, Buffer | EngineError>> {
  const sealed = new Map<string, Buffer | EngineError>();
  const reads = planPackReads(blobs);
  let next = 0;
  let stopped = false;
  const worker = async () => {
    try {
      while (!stopped && next < reads.length) {
        signal?.throwIfAborted();
        await readOne(store, reads[next++]!, sealed);
      }
    } catch (error) {
      stopped = true;
      throw error;
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, reads.length) }, worker));
  return sealed;
}

async function readOne(store: ObjectStore, read: PackRead, sealed: Map<string, Buffer | EngineError>) {
  let bytes: Buffer;
  try {
    bytes = await store.getRange(read.pack, read.offset, read.length);
  } catch (error) {
    if (!(error instanceof EngineError && error.code === 'REPOSITORY_DAMAGED')) throw error;
    if (read.blobs.length === 1) {
      sealed.set(read.blobs[0]!.hex, error);
      return;
    }
    for (const blob of read.blobs) {
      const { offset, length } = blob.place;
      await readOne(store, { pack: read.pack, offset, length, blobs: [blob] }, sealed);
    }
    return;
  }
  // A pack shorter than its index says gives short (or empty) views: they fail to authenticate.
  for (const blob of read.blobs) {
    const start = blob.place.offset - read.offset;
    sealed.set(blob.hex, bytes.subarray(start, start + blob.place.length));
  }
}
