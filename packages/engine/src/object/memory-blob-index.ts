import type { BlobIndex, BlobPlace, PackBlobs } from './blob-index.js';

/**
 * A blob index held in memory, for a repository used without the catalog: the repository fills it
 * from the pack headers when it is opened, and again from the packs it has not seen when a read
 * misses (another writer's packs).
 */
export class MemoryBlobIndex implements BlobIndex {
  readonly #places = new Map<string, BlobPlace>();
  readonly #packs = new Set<string>();

  async existing(ids: readonly Buffer[]): Promise<Set<string>> {
    const held = new Set<string>();
    for (const id of ids) {
      const hex = id.toString('hex');
      if (this.#places.has(hex)) held.add(hex);
    }
    return held;
  }

  async place(id: Buffer): Promise<BlobPlace | null> {
    return this.#places.get(id.toString('hex')) ?? null;
  }

  async record({ pack, kind, blobs }: PackBlobs): Promise<void> {
    for (const { id, offset, length } of blobs) {
      const hex = id.toString('hex');
      // The first pack recorded for a blob keeps it, as in the catalog.
      if (!this.#places.has(hex)) this.#places.set(hex, { kind, pack, offset, length });
    }
    this.#packs.add(pack);
  }

  async unrecorded(packs: readonly string[]): Promise<Set<string>> {
    return new Set(packs.filter((pack) => !this.#packs.has(pack)));
  }
}
