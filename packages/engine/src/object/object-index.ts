import { EngineError } from '../errors.js';
import type { ChunkTally } from '../repository/repository.js';
import { type BlobKeys, type BlobKind, blobName, decodeBlob, type EncodedBlob, encodeBlob } from './blob.js';
import { PACK_TRAILER_LENGTH } from './format.js';
import type { ObjectStore } from './object-store.js';
import { headerLength, openPackHeader, PackWriter } from './pack.js';
import { damaged } from './seal.js';

/** Where one blob is: its pack's object name, and its sealed bytes' place in it. */
interface BlobPlace {
  kind: BlobKind;
  pack: string;
  offset: number;
  length: number;
}

const KINDS: readonly BlobKind[] = ['data', 'tree'];

/**
 * The blob index of a repository without its catalog (version 1 so far): built when the repository
 * is opened by reading every pack's trailer and sealed header (two range reads a pack), kept in
 * memory, and told of every pack written since.
 */
export class BlobIndex {
  readonly #places = new Map<string, BlobPlace>();

  private constructor(
    private readonly store: ObjectStore,
    private readonly keys: BlobKeys,
  ) {}

  static async load(store: ObjectStore, keys: BlobKeys): Promise<BlobIndex> {
    const index = new BlobIndex(store, keys);
    for (const kind of KINDS) {
      for await (const { name, size } of store.list(`${kind}/`)) {
        const what = `pack ${name}`;
        const trailer = await store.getRange(
          name,
          Math.max(0, size - PACK_TRAILER_LENGTH),
          PACK_TRAILER_LENGTH,
        );
        const length = headerLength(trailer, size, what);
        const blobsEnd = size - PACK_TRAILER_LENGTH - length;
        const header = await store.getRange(name, blobsEnd, length);
        for (const record of openPackHeader(keys.data, kind, header, blobsEnd, what)) {
          index.#places.set(record.id.toString('hex'), {
            kind,
            pack: name,
            offset: record.offset,
            length: record.length,
          });
        }
      }
    }
    return index;
  }

  has(id: Buffer): boolean {
    return this.#places.has(id.toString('hex'));
  }

  /** The plaintext of a blob, authenticated (decodeBlob); REPOSITORY_DAMAGED when no pack holds it. */
  async read(kind: BlobKind, id: Buffer): Promise<Buffer> {
    const place = this.#places.get(id.toString('hex'));
    if (place?.kind !== kind) throw damaged(`no pack holds ${blobName(kind, id)}`);
    const sealed = await this.store.getRange(place.pack, place.offset, place.length);
    return decodeBlob(this.keys, kind, id, sealed);
  }

  /** A writer of new blobs into packs of at most about `target` bytes, one pack per kind at a time. */
  writer(target?: number): BlobWriter {
    return new BlobWriter(this, this.store, this.keys, target);
  }

  /** Records the blobs of a pack just stored. */
  added(pack: string, kind: BlobKind, records: { id: Buffer; offset: number; length: number }[]): void {
    for (const { id, offset, length } of records) {
      this.#places.set(id.toString('hex'), { kind, pack, offset, length });
    }
  }
}

/** Adds blobs that the repository lacks to packs, and stores each pack once it is full. */
export class BlobWriter {
  readonly #packs: Record<BlobKind, PackWriter>;
  /** Blobs added to a pack not yet stored. */
  readonly #pending = new Set<string>();
  /** The data blobs added and found, as a backup's result tells them. */
  readonly chunks: ChunkTally = { newChunks: 0, reusedChunks: 0, newBytes: 0, storedBytes: 0 };

  constructor(
    private readonly index: BlobIndex,
    private readonly store: ObjectStore,
    private readonly keys: BlobKeys,
    private readonly target: number | undefined,
  ) {
    this.#packs = { data: this.newPack('data'), tree: this.newPack('tree') };
  }

  /** Whether the repository has the blob, stored or about to be. */
  has(id: Buffer): boolean {
    return this.index.has(id) || this.#pending.has(id.toString('hex'));
  }

  /** Adds a blob the repository lacks; answers false, adding nothing, when it has it. */
  async add(kind: BlobKind, plaintext: Buffer, id: Buffer): Promise<boolean> {
    if (this.has(id)) {
      if (kind === 'data') this.chunks.reusedChunks++;
      return false;
    }
    const blob: EncodedBlob = await encodeBlob(this.keys, kind, plaintext);
    if (kind === 'data') {
      this.chunks.newChunks++;
      this.chunks.newBytes += plaintext.length;
      this.chunks.storedBytes += blob.sealed.length;
    }
    this.#packs[kind].add(blob);
    this.#pending.add(id.toString('hex'));
    if (this.#packs[kind].full) await this.finish(kind);
    return true;
  }

  /** Stores what is left in the packs. */
  async flush(): Promise<void> {
    for (const kind of KINDS) await this.finish(kind);
  }

  private async finish(kind: BlobKind): Promise<void> {
    const writer = this.#packs[kind];
    if (writer.count === 0) return;
    const pack = writer.finish();
    this.#packs[kind] = this.newPack(kind);
    await this.store.put(pack.path, pack.bytes);
    this.index.added(pack.path, kind, pack.records);
    for (const record of pack.records) this.#pending.delete(record.id.toString('hex'));
  }

  private newPack(kind: BlobKind): PackWriter {
    return new PackWriter(this.keys.data, kind, this.target === undefined ? {} : { target: this.target });
  }
}

/** A snapshot that failed authentication, naming the files (or directories) that cannot be read. */
export function snapshotCorrupt(snapshot: string, paths: string[], cause?: unknown): EngineError {
  const shown = paths.slice(0, 10).join(', ');
  const more = paths.length > 10 ? ` and ${paths.length - 10} more` : '';
  return new EngineError('SNAPSHOT_CORRUPT', `Snapshot ${snapshot} is corrupt: ${shown}${more}`, {
    details: { paths },
    ...(cause === undefined ? {} : { cause }),
  });
}
