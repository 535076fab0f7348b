import { createHash, timingSafeEqual } from 'node:crypto';
import { type BlobKeys, type BlobKind, blobName, decodeBlob, type EncodedBlob } from './blob.js';
import {
  BLOB_KINDS,
  ID_LENGTH,
  PACK_MAX_SIZE,
  PACK_RECORD_LENGTH,
  PACK_TARGET_SIZE,
  PACK_TRAILER_LENGTH,
  SEAL_OVERHEAD,
} from './format.js';
import type { ObjectStore } from './object-store.js';
import { associatedData, damaged, open, seal } from './seal.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Where one blob sits in a pack. */
export interface PackRecord {
  kind: BlobKind;
  id: Buffer;
  offset: number;
  length: number;
}

export interface FinishedPack {
  kind: BlobKind;
  /** SHA-256 of `bytes`: the pack's name. */
  id: Buffer;
  /** The object's key under the repository prefix: `<kind>/<2 hex>/<64 hex>`. */
  path: string;
  bytes: Buffer;
  records: PackRecord[];
}

export interface PackWriterOptions {
  /** `full` turns true once the blobs hold this many bytes. @defaultValue PACK_TARGET_SIZE (32 MiB) */
  target?: number;
}

/** The key of a pack under the repository prefix: `data/3f/3f2a…` or `tree/…`. */
export function packPath(kind: BlobKind, id: Buffer): string {
  const hex = id.toString('hex');
  return `${kind}/${hex.slice(0, 2)}/${hex}`;
}

/**
 * Gathers sealed blobs of one kind into a pack: the blobs one after another, then the sealed header
 * that lists them (41 bytes a blob), then the header's sealed length in 4 bytes, big-endian.
 */
export class PackWriter {
  readonly kind: BlobKind;
  readonly #dataKey: Buffer;
  readonly #target: number;
  /**
   * The blobs one after another, then room for the header and the trailer: one buffer, filled as
   * blobs come, rather than one Buffer object a blob (a pack of 64-byte files holds 300,000 of them)
   * and a copy of them all at the end.
   */
  #body: Buffer = Buffer.alloc(0);
  /** The header's records, 41 bytes each, written as blobs come. */
  #header: Buffer = Buffer.alloc(0);
  /** The ids held, as 32-character binary strings. */
  readonly #ids = new Set<string>();
  #size = 0;

  constructor(dataKey: Buffer, kind: BlobKind, options: PackWriterOptions = {}) {
    this.#dataKey = dataKey;
    this.kind = kind;
    this.#target = options.target ?? PACK_TARGET_SIZE;
  }

  /** The bytes of the blobs added so far. */
  get size(): number {
    return this.#size;
  }

  get count(): number {
    return this.#ids.size;
  }

  /** Whether the pack has reached its target size and should be finished. */
  get full(): boolean {
    return this.#size >= this.#target;
  }

  /** Adds a blob; false, and nothing added, when this pack already holds one with its id. */
  add(blob: Pick<EncodedBlob, 'kind' | 'id' | 'sealed'>): boolean {
    if (blob.kind !== this.kind) throw new RangeError(`a ${this.kind} pack holds no ${blob.kind} blob`);
    const key = blob.id.toString('latin1');
    if (this.#ids.has(key)) return false;
    const overhead = PACK_RECORD_LENGTH * (this.count + 1) + SEAL_OVERHEAD + PACK_TRAILER_LENGTH;
    if (this.#size + blob.sealed.length + overhead > PACK_MAX_SIZE) {
      throw new RangeError('a pack stays under 4 GiB: finish this one first');
    }
    const at = this.count * PACK_RECORD_LENGTH;
    this.#header = room(this.#header, at, PACK_RECORD_LENGTH, 4 * KiB);
    this.#header[at] = BLOB_KINDS[this.kind];
    blob.id.copy(this.#header, at + 1);
    this.#header.writeUInt32BE(this.#size, at + 1 + ID_LENGTH);
    this.#header.writeUInt32BE(blob.sealed.length, at + 5 + ID_LENGTH);
    // Room for the target at once: the pages the blobs do not reach are never touched.
    this.#body = room(this.#body, this.#size, blob.sealed.length, this.#target + MiB);
    blob.sealed.copy(this.#body, this.#size);
    this.#ids.add(key);
    this.#size += blob.sealed.length;
    return true;
  }

  /** The pack's bytes, name and records. A pack holds at least one blob. */
  finish(): FinishedPack {
    if (this.count === 0) throw new RangeError('a pack holds at least one blob');
    const header = this.#header.subarray(0, this.count * PACK_RECORD_LENGTH);
    const sealedHeader = seal(this.#dataKey, header, headerAssociatedData());
    const length = this.#size + sealedHeader.length + PACK_TRAILER_LENGTH;
    const bytes = room(this.#body, this.#size, length - this.#size, 0).subarray(0, length);
    sealedHeader.copy(bytes, this.#size);
    bytes.writeUInt32BE(sealedHeader.length, this.#size + sealedHeader.length);
    const id = createHash('sha256').update(bytes).digest();
    return {
      kind: this.kind,
      id,
      path: packPath(this.kind, id),
      bytes,
      records: recordsOf(this.kind, header),
    };
  }
}

/** `buffer`, or a larger copy of its first `used` bytes, with room for `more` bytes after them. */
function room(buffer: Buffer, used: number, more: number, least: number): Buffer {
  if (used + more <= buffer.length) return buffer;
  const grown = Buffer.allocUnsafeSlow(Math.max(least, 2 * buffer.length, used + more));
  buffer.copy(grown, 0, 0, used);
  return grown;
}

/** The records of a header's plaintext (kind, id, offset and length, 41 bytes each). */
function recordsOf(kind: BlobKind, header: Buffer): PackRecord[] {
  const records: PackRecord[] = [];
  for (let at = 0; at < header.length; at += PACK_RECORD_LENGTH) {
    records.push({
      kind,
      id: Buffer.from(header.subarray(at + 1, at + 1 + ID_LENGTH)),
      offset: header.readUInt32BE(at + 1 + ID_LENGTH),
      length: header.readUInt32BE(at + 5 + ID_LENGTH),
    });
  }
  return records;
}

/**
 * The length of a pack's sealed header, from the pack's last 4 bytes and its size: what a reader
 * fetches next (the `length` bytes before the trailer) when it reads a pack by ranges.
 */
export function headerLength(trailer: Buffer, packSize: number, what: string): number {
  if (trailer.length !== PACK_TRAILER_LENGTH || packSize < PACK_TRAILER_LENGTH + SEAL_OVERHEAD) {
    throw damaged(`${what} is ${packSize} bytes, too short for a pack`);
  }
  const length = trailer.readUInt32BE(0);
  if (length < SEAL_OVERHEAD + PACK_RECORD_LENGTH || length > packSize - PACK_TRAILER_LENGTH) {
    throw damaged(
      `${what} ends in a header length (${length}) that does not fit it: it is truncated or damaged`,
    );
  }
  return length;
}

/**
 * The records of a stored pack, read with two range reads (its trailer, then its sealed header) and
 * authenticated as openPackHeader does, without reading its blobs.
 */
export async function readPackHeader(
  store: ObjectStore,
  dataKey: Buffer,
  kind: BlobKind,
  name: string,
  size: number,
): Promise<PackRecord[]> {
  const what = `pack ${name}`;
  const trailer = await store.getRange(name, Math.max(0, size - PACK_TRAILER_LENGTH), PACK_TRAILER_LENGTH);
  const length = headerLength(trailer, size, what);
  const blobsEnd = size - PACK_TRAILER_LENGTH - length;
  return openPackHeader(dataKey, kind, await store.getRange(name, blobsEnd, length), blobsEnd, what);
}

/**
 * The records of a pack's sealed header, authenticated, each checked to be of the pack's kind and
 * to lie, one after another from offset 0, within the `blobsEnd` bytes before the header.
 */
export function openPackHeader(
  dataKey: Buffer,
  kind: BlobKind,
  sealedHeader: Buffer,
  blobsEnd: number,
  what: string,
): PackRecord[] {
  const header = open(dataKey, sealedHeader, headerAssociatedData(), `the header of ${what}`);
  if (header.length === 0 || header.length % PACK_RECORD_LENGTH !== 0) {
    throw damaged(`the header of ${what} is ${header.length} bytes, not a whole number of records`);
  }
  const records: PackRecord[] = [];
  let expected = 0;
  for (let at = 0; at < header.length; at += PACK_RECORD_LENGTH) {
    const record: PackRecord = {
      kind: kindOf(header[at]!, what),
      id: Buffer.from(header.subarray(at + 1, at + 1 + ID_LENGTH)),
      offset: header.readUInt32BE(at + 1 + ID_LENGTH),
      length: header.readUInt32BE(at + 5 + ID_LENGTH),
    };
    if (record.kind !== kind) throw damaged(`${what} is a ${kind} pack and lists a ${record.kind} blob`);
    if (record.offset !== expected || record.length < SEAL_OVERHEAD + 1) {
      throw damaged(
        `the header of ${what} lists a blob at ${record.offset} (+${record.length}), not at ${expected}`,
      );
    }
    expected += record.length;
    records.push(record);
  }
  if (expected !== blobsEnd) {
    throw damaged(`the header of ${what} lists ${expected} bytes of blobs, the pack holds ${blobsEnd}`);
  }
  return records;
}

/** A whole pack, checked against its name, and the blobs in it. */
export class PackReader {
  readonly kind: BlobKind;
  readonly id: Buffer;
  readonly records: readonly PackRecord[];
  readonly #bytes: Buffer;
  readonly #byId: Map<string, PackRecord>;

  /**
   * Opens the bytes of the pack `<kind>/…/<id>`: their SHA-256 must be `id` (so the name
   * authenticates the object), then the trailer and the sealed header must hold. Anything else is
   * REPOSITORY_DAMAGED naming the pack.
   */
  constructor(dataKey: Buffer, kind: BlobKind, id: Buffer, bytes: Buffer) {
    const what = `pack ${packPath(kind, id)}`;
    const actual = createHash('sha256').update(bytes).digest();
    if (id.length !== ID_LENGTH || !timingSafeEqual(actual, id)) {
      throw damaged(`${what} holds other bytes than its name says (SHA-256 ${actual.toString('hex')})`);
    }
    const trailerAt = bytes.length - PACK_TRAILER_LENGTH;
    const length = headerLength(bytes.subarray(Math.max(0, trailerAt)), bytes.length, what);
    const blobsEnd = trailerAt - length;
    this.kind = kind;
    this.id = id;
    this.records = openPackHeader(dataKey, kind, bytes.subarray(blobsEnd, trailerAt), blobsEnd, what);
    this.#bytes = bytes;
    this.#byId = new Map(this.records.map((record) => [record.id.toString('hex'), record]));
  }

  /** The sealed bytes of the blob `id`, or undefined when this pack does not hold it. */
  sealedBlob(id: Buffer): Buffer | undefined {
    const record = this.#byId.get(id.toString('hex'));
    return record && this.#bytes.subarray(record.offset, record.offset + record.length);
  }

  /** The plaintext of the blob `id`, authenticated (see decodeBlob); REPOSITORY_DAMAGED if absent. */
  async blob(keys: BlobKeys, id: Buffer): Promise<Buffer> {
    const sealed = this.sealedBlob(id);
    if (!sealed)
      throw damaged(`pack ${packPath(this.kind, this.id)} does not hold ${blobName(this.kind, id)}`);
    return decodeBlob(keys, this.kind, id, sealed);
  }
}

function headerAssociatedData(): Buffer {
  return associatedData('pack-header');
}

function kindOf(byte: number, what: string): BlobKind {
  if (byte === BLOB_KINDS.data) return 'data';
  if (byte === BLOB_KINDS.tree) return 'tree';
  throw damaged(`the header of ${what} lists a blob of unknown kind ${byte}`);
}
