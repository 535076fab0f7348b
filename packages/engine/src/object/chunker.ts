import { createHmac } from 'node:crypto';
import { CHUNKER, GEAR_WINDOW, KEY_LENGTH } from './format.js';

export interface ChunkerParams {
  /** No cut before a chunk holds this many bytes (a shorter input is one chunk). */
  min: number;
  /** A cut where the top `maskBits` bits of the hash are zero: about one in 2^maskBits bytes. */
  maskBits: number;
  /** A cut when a chunk holds this many bytes, wherever the hash is. */
  max: number;
}

/**
 * The 256 gear values, from the chunker key: entry j is the big-endian 32-bit word at byte 4·(j mod
 * 8) of HMAC-SHA256(key, the single byte ⌊j / 8⌋). Keyed, so that where chunks end says nothing to
 * whoever lacks the key.
 */
export function gearTable(chunkerKey: Buffer): Int32Array {
  if (chunkerKey.length !== KEY_LENGTH) throw new RangeError(`a chunker key is ${KEY_LENGTH} bytes`);
  const gear = new Int32Array(256);
  for (let block = 0; block < 32; block++) {
    const words = createHmac('sha256', chunkerKey)
      .update(Buffer.from([block]))
      .digest();
    for (let word = 0; word < 8; word++) gear[block * 8 + word] = words.readInt32BE(word * 4);
  }
  return gear;
}

/**
 * Content-defined chunking with a keyed gear hash. Over each chunk, from its first byte with h = 0,
 * h = (2·h + gear[byte]) mod 2^32; the chunk ends after the first byte that brings it to `min`
 * bytes or more with the top `maskBits` bits of h zero, or at `max` bytes, or at the input's end.
 * The same bytes and key give the same chunks however the input is split into pieces, and an edit
 * moves only the boundaries near it.
 */
export class Chunker {
  readonly params: ChunkerParams;
  readonly #gear: Int32Array;
  readonly #mask: number;

  constructor(chunkerKey: Buffer, params: ChunkerParams = CHUNKER) {
    const { min, maskBits, max } = params;
    if (!(Number.isInteger(min) && min >= 1 && Number.isInteger(max) && max >= min)) {
      throw new RangeError(`chunk sizes need 1 ≤ min ≤ max: got ${min}, ${max}`);
    }
    if (!(Number.isInteger(maskBits) && maskBits >= 1 && maskBits <= 31)) {
      throw new RangeError(`maskBits is 1 to 31: got ${maskBits}`);
    }
    this.params = { min, maskBits, max };
    this.#gear = gearTable(chunkerKey);
    this.#mask = -1 << (32 - maskBits);
  }

  /**
   * The chunks of `source`, each a new Buffer; none for an empty source. The bytes before the last
   * 32 of `min` are not hashed at all: a byte leaves a 32-bit gear hash after 32 steps, so they
   * cannot change where the chunk ends.
   */
  async *chunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
    const { min, max } = this.params;
    const gear = this.#gear;
    const mask = this.#mask;
    const hashFrom = Math.max(0, min - GEAR_WINDOW);
    let parts: Buffer[] = [];
    let length = 0;
    let h = 0;
    for await (const piece of source) {
      const input = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      const end = input.length;
      let start = 0;
      let at = 0;
      while (at < end) {
        if (length < hashFrom) {
          const skip = Math.min(hashFrom - length, end - at);
          at += skip;
          length += skip;
          continue;
        }
        let cut = -1;
        while (at < end) {
          h = ((h << 1) + gear[input[at]!]!) | 0;
          at++;
          length++;
          if (length >= min && ((h & mask) === 0 || length >= max)) {
            cut = at;
            break;
          }
        }
        if (cut < 0) break;
        parts.push(input.subarray(start, cut));
        yield Buffer.concat(parts, length);
        parts = [];
        length = 0;
        h = 0;
        start = cut;
      }
      // A copy: the source may reuse its buffer once it is asked for the next piece.
      if (start < end) parts.push(Buffer.from(input.subarray(start)));
    }
    // One part is already a copy of ours (a file read in one piece): handed out as it is.
    if (length > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
  }
}
