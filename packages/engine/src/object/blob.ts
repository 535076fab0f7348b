import { createHmac, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import {
  BLOB_DEFLATED,
  type BLOB_KINDS,
  BLOB_STORED,
  COMPRESSION_SAMPLE,
  DEFLATE_LEVEL,
  ID_LENGTH,
  MAX_BLOB_SIZE,
} from './format.js';
import type { MasterKeys } from './master-keys.js';
import { associatedData, damaged, open, seal } from './seal.js';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** File content (`data`) or a directory listing (`tree`); the two are kept in separate packs. */
export type BlobKind = keyof typeof BLOB_KINDS;

/** The keys a blob needs: `data` seals it, `id` names it. */
export type BlobKeys = Pick<MasterKeys, 'data' | 'id'>;

export interface EncodedBlob {
  kind: BlobKind;
  /** HMAC-SHA256 of the plaintext under the id key. */
  id: Buffer;
  /** What a pack holds: the flags byte and the body, sealed. */
  sealed: Buffer;
  /** The plaintext's length. */
  size: number;
  /** Whether the body is the plaintext deflated. */
  deflated: boolean;
}

/** A blob's id: HMAC-SHA256 of its plaintext under the id key, so ids reveal no plain hash. */
export function blobId(idKey: Buffer, plaintext: Buffer): Buffer {
  return createHmac('sha256', idKey).update(plaintext).digest();
}

/** How a blob is named in messages: its kind and id, as `data blob 3f2a…`. */
export function blobName(kind: BlobKind, id: Buffer): string {
  return `${kind} blob ${id.toString('hex')}`;
}

/** What a blob's seal is bound to: its kind and its id. */
export function blobAssociatedData(kind: BlobKind, id: Buffer): Buffer {
  return associatedData(kind, id);
}

/**
 * A blob ready for a pack: a flags byte, then the plaintext deflated (level 1) where that makes it
 * smaller, else as it is; then sealed. A plaintext over 64 KiB is deflated only if its first 64 KiB
 * shrink, so that incompressible data (media, archives) costs one small try rather than a whole one.
 */
export async function encodeBlob(keys: BlobKeys, kind: BlobKind, plaintext: Buffer): Promise<EncodedBlob> {
  if (plaintext.length > MAX_BLOB_SIZE) {
    throw new RangeError(`a blob is at most ${MAX_BLOB_SIZE} bytes, not ${plaintext.length}`);
  }
  const id = blobId(keys.id, plaintext);
  const body = await compressed(plaintext);
  const deflated = body !== undefined;
  const flags = Buffer.from([deflated ? BLOB_DEFLATED : BLOB_STORED]);
  const sealed = seal(keys.data, [flags, body ?? plaintext], blobAssociatedData(kind, id));
  return { kind, id, sealed, size: plaintext.length, deflated };
}

/**
 * The plaintext of a sealed blob, trusted: authenticated as the blob `kind`/`id` under the data
 * key, inflated no further than the largest blob, and its HMAC checked against `id`. Any failure is
 * REPOSITORY_DAMAGED naming the blob; nothing is returned unchecked.
 */
export async function decodeBlob(
  keys: BlobKeys,
  kind: BlobKind,
  id: Buffer,
  sealed: Buffer,
): Promise<Buffer> {
  const what = blobName(kind, id);
  if (id.length !== ID_LENGTH) throw new RangeError(`a blob id is ${ID_LENGTH} bytes, not ${id.length}`);
  const encoded = open(keys.data, sealed, blobAssociatedData(kind, id), what);
  if (encoded.length === 0) throw damaged(`${what} has no flags byte`);
  const flags = encoded[0];
  const body = encoded.subarray(1);
  let plaintext: Buffer;
  if (flags === BLOB_STORED) plaintext = body;
  else if (flags === BLOB_DEFLATED) {
    try {
      plaintext = await inflate(body, { maxOutputLength: MAX_BLOB_SIZE });
    } catch (cause) {
      throw damaged(`${what} does not inflate`, cause);
    }
  } else throw damaged(`${what} has unknown flags ${flags}`);
  if (!timingSafeEqual(blobId(keys.id, plaintext), id)) throw damaged(`${what} holds other content`);
  return plaintext;
}

async function compressed(plaintext: Buffer): Promise<Buffer | undefined> {
  if (plaintext.length > COMPRESSION_SAMPLE) {
    const sample = plaintext.subarray(0, COMPRESSION_SAMPLE);
    if ((await deflate(sample, { level: DEFLATE_LEVEL })).length >= sample.length) return undefined;
  }
  const body = await deflate(plaintext, { level: DEFLATE_LEVEL });
  return body.length < plaintext.length ? body : undefined;
}
