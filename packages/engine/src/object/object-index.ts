import { EngineError } from '../errors.js';
import type { ChunkTally } from '../repository/repository.js';
import { type BlobKeys, type BlobKind, blobName, decodeBlob, encodeBlob } from './blob.js';
import type { BlobIndex, BlobPlace } from './blob-index.js';
import type { ObjectStore } from './object-store.js';
import { type FinishedPack, PackWriter, readPackHeader } from './pack.js';
import { damaged } from './seal.js';

const KINDS: readonly BlobKind[] = ['data', 'tree'];

/** Pack names asked about at once when catching up (one listing page of S3). */
const CATCH_UP_PAGE = 1000;

/** What a catch-up recorded. */
export interface CatchUpCounts {
  packs: number;
  blobs: number;
}

/**
 * The blobs of an open repository: its store and keys, and the index that says where each blob
 * is. Reads authenticate every blob; a read whose blob the index lacks catches the index up with
 * the packs it has not recorded (written by other writers since) and tries once more.
 */
export class PackedBlobs {
  /** The catch-up running, and the one that will run after it for those who asked meanwhile. */
  #running: Promise<CatchUpCounts> | null = null;
  #next: Promise<CatchUpCounts> | null = null;

  constructor(
    readonly store: ObjectStore,
    private readonly keys: BlobKeys,
    readonly index: BlobIndex,
  ) {}

  /** A reader that catches the index up at most once (so that a missing pack costs one listing). */
  reader(): BlobReader {
    return new BlobReader(this);
  }

  /** A writer of new blobs into packs of at most about `target` bytes, one pack per kind at a time. */
  writer(target?: number): BlobWriter {
    return new BlobWriter(this.index, this.store, this.keys, target);
  }

  /** The plaintext of a blob at a place, authenticated (decodeBlob). */
  async fetch(kind: BlobKind, id: Buffer): Promise<Buffer | null> {
    const place = await this.place(kind, id);
    if (!place) return null;
    return this.open(kind, id, await this.store.getRange(place.pack, place.offset, place.length));
  }

  /** Where a recorded pack holds a blob of this kind, or null; REPOSITORY_DAMAGED for another kind. */
  async place(kind: BlobKind, id: Buffer): Promise<BlobPlace | null> {
    const place = await this.index.place(id);
    if (place && place.kind !== kind) throw damaged(`no pack holds ${blobName(kind, id)}`);
    return place;
  }

  /** A blob's plaintext from its sealed bytes as read from its place, authenticated (decodeBlob). */
  open(kind: BlobKind, id: Buffer, sealed: Buffer): Promise<Buffer> {
    return decodeBlob(this.keys, kind, id, sealed);
  }

  /**
   * Records in the index every pack of the store it has not recorded, from the pack's trailer and
   * sealed header (two range reads a pack). A call made while one runs is answered by the next
   * one, which starts after it: whoever asks sees every pack stored before they asked.
   */
  catchUp(): Promise<CatchUpCounts> {
    if (!this.#running) return this.startCatchUp();
    this.#next ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#next = null;
        return this.startCatchUp();
      });
    return this.#next;
  }

  private startCatchUp(): Promise<CatchUpCounts> {
    const running = this.recordUnrecorded().finally(() => {
      if (this.#running === running) this.#running = null;
    });
    this.#running = running;
    return running;
  }

  private async recordUnrecorded(): Promise<CatchUpCounts> {
    const counts: CatchUpCounts = { packs: 0, blobs: 0 };
    for (const kind of KINDS) {
      let page: { name: string; size: number }[] = [];
      const recordPage = async () => {
        const missing = await this.index.unrecorded(page.map(({ name }) => name));
        for (const { name, size } of page) {
          if (!missing.has(name)) continue;
          counts.blobs += await this.recordPack(kind, name, size);
          counts.packs++;
        }
        page = [];
      };
      for await (const entry of this.store.list(`${kind}/`)) {
        page.push(entry);
        if (page.length >= CATCH_UP_PAGE) await recordPage();
      }
      await recordPage();
    }
    return counts;
  }

  private async recordPack(kind: BlobKind, name: string, size: number): Promise<number> {
    const blobs = (await readPackHeader(this.store, this.keys.data, kind, name, size)).map(
      ({ id, offset, length }) => ({ id, offset, length }),
    );
    await this.index.record({ pack: name, kind, size, blobs });
    return blobs.length;
  }
}

/** Reads blobs for one job (a verify, a restore, a backup's parent trees). */
export class BlobReader {
  #caughtUp = false;

  constructor(private readonly blobs: PackedBlobs) {}

  /** The plaintext of a blob, authenticated (decodeBlob); REPOSITORY_DAMAGED when no pack holds it. */
  async read(kind: BlobKind, id: Buffer): Promise<Buffer> {
    let plaintext = await this.blobs.fetch(kind, id);
    if (plaintext === null && !this.#caughtUp) {
      this.#caughtUp = true;
      await this.blobs.catchUp();
      plaintext = await this.blobs.fetch(kind, id);
    }
    if (plaintext === null) throw damaged(`no pack holds ${blobName(kind, id)}`);
    return plaintext;
  }

  /**
   * Where recorded packs hold these blobs (by hex id), or the REPOSITORY_DAMAGED error of a blob
   * that no pack holds; the misses catch the index up, at most once for this reader.
   */
  async places(kind: BlobKind, ids: readonly string[]): Promise<Map<string, BlobPlace | EngineError>> {
    const found = new Map<string, BlobPlace | EngineError>();
    const lookUp = async (hexes: readonly string[]) => {
      const missed: string[] = [];
      for (const hex of hexes) {
        try {
          const place = await this.blobs.place(kind, Buffer.from(hex, 'hex'));
          if (place) found.set(hex, place);
          else missed.push(hex);
        } catch (error) {
          if (!(error instanceof EngineError && error.code === 'REPOSITORY_DAMAGED')) throw error;
          found.set(hex, error);
        }
      }
      return missed;
    };
    let missed = await lookUp([...new Set(ids)]);
    if (missed.length > 0 && !this.#caughtUp) {
      this.#caughtUp = true;
      await this.blobs.catchUp();
      missed = await lookUp(missed);
    }
    for (const hex of missed)
      found.set(hex, damaged(`no pack holds ${blobName(kind, Buffer.from(hex, 'hex'))}`));
    return found;
  }
}

/** Blobs asked about in one question to the index at most, and the bytes they may hold. */
const BATCH_BLOBS = 256;
const BATCH_BYTES = 16 * 1024 * 1024;
/** Packs uploaded at once at most while the backup reads on; a further full pack waits for one. */
export const UPLOADS_IN_FLIGHT = 2;

interface Queued {
  kind: BlobKind;
  plaintext: Buffer;
  id: Buffer;
  hex: string;
  onNew: (() => void) | undefined;
}

/**
 * Adds blobs that the repository lacks to packs, and stores each pack once it is full. Blobs are
 * queued and the index asked about a batch of them at once. A full pack is sealed and uploaded in
 * the background while the caller reads on, {@link UPLOADS_IN_FLIGHT} at most; a pack's blobs are
 * recorded in the index once the pack is stored, and until then count as present for dedup.
 * flush() waits for every upload and rejects with the first one's error: a snapshot written only
 * after it references stored, recorded blobs only.
 */
export class BlobWriter {
  readonly #packs: Record<BlobKind, PackWriter>;
  /** Blobs queued, or added to a pack not yet stored. */
  readonly #pending = new Set<string>();
  #batch: Queued[] = [];
  #batchBytes = 0;
  #settled: (() => void)[] = [];
  /** The uploads running (each settles without rejecting), and the first error one met. */
  readonly #uploads = new Set<Promise<void>>();
  #failure: { error: unknown } | null = null;
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

  /** The ids among `ids` (as hex) that the repository has, stored or about to be. */
  async existing(ids: readonly Buffer[]): Promise<Set<string>> {
    const held = await this.index.existing(ids);
    for (const id of ids) {
      const hex = id.toString('hex');
      if (this.#pending.has(hex)) held.add(hex);
    }
    return held;
  }

  /**
   * Queues a blob. Unless the repository has it (or it is queued already), it is added to a pack
   * when its batch is looked up, and `onNew` is called then.
   */
  async add(kind: BlobKind, plaintext: Buffer, id: Buffer, onNew?: () => void): Promise<void> {
    const hex = id.toString('hex');
    if (this.#pending.has(hex)) {
      if (kind === 'data') this.chunks.reusedChunks++;
      return;
    }
    this.#pending.add(hex);
    this.#batch.push({ kind, plaintext, id, hex, onNew });
    this.#batchBytes += plaintext.length;
    if (this.#batch.length >= BATCH_BLOBS || this.#batchBytes >= BATCH_BYTES) await this.drain();
  }

  /** Calls `settle` once every blob queued so far has been looked up (and `onNew` called). */
  whenLookedUp(settle: () => void): void {
    if (this.#batch.length === 0) settle();
    else this.#settled.push(settle);
  }

  /**
   * Looks up what is queued, stores what is left in the packs, and waits for every upload; rejects
   * with the first upload's error.
   */
  async flush(): Promise<void> {
    await this.drain();
    for (const kind of KINDS) await this.finish(kind);
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for the uploads running, whatever they end in: what a failed backup does before it answers. */
  async settle(): Promise<void> {
    while (this.#uploads.size > 0) await Promise.all(this.#uploads);
  }

  private throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }

  private async drain(): Promise<void> {
    this.throwIfFailed();
    const batch = this.#batch;
    const settled = this.#settled;
    this.#batch = [];
    this.#batchBytes = 0;
    this.#settled = [];
    const held =
      batch.length === 0 ? new Set<string>() : await this.index.existing(batch.map(({ id }) => id));
    for (const { kind, plaintext, hex, onNew } of batch) {
      if (held.has(hex)) {
        if (kind === 'data') this.chunks.reusedChunks++;
        this.#pending.delete(hex);
        continue;
      }
      const blob = await encodeBlob(this.keys, kind, plaintext);
      if (kind === 'data') {
        this.chunks.newChunks++;
        this.chunks.newBytes += plaintext.length;
        this.chunks.storedBytes += blob.sealed.length;
      }
      this.#packs[kind].add(blob);
      onNew?.();
      if (this.#packs[kind].full) await this.finish(kind);
    }
    for (const settle of settled) settle();
  }

  private async finish(kind: BlobKind): Promise<void> {
    const writer = this.#packs[kind];
    if (writer.count === 0) return;
    while (this.#uploads.size >= UPLOADS_IN_FLIGHT) await Promise.race(this.#uploads);
    this.throwIfFailed();
    const pack = writer.finish();
    this.#packs[kind] = this.newPack(kind);
    const upload: Promise<void> = this.upload(kind, pack)
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => this.#uploads.delete(upload));
    this.#uploads.add(upload);
  }

  /** Stores a sealed pack, then records its blobs, which from then on the index answers for. */
  private async upload(kind: BlobKind, pack: FinishedPack): Promise<void> {
    await this.store.put(pack.path, pack.bytes);
    await this.index.record({
      pack: pack.path,
      kind,
      size: pack.bytes.length,
      blobs: pack.records.map(({ id, offset, length }) => ({ id, offset, length })),
    });
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
