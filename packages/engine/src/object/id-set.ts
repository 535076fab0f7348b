import { ID_LENGTH } from './format.js';

/** Slots of a new set; it doubles whenever it is half full. */
const INITIAL_SLOTS = 1024;

/**
 * A set of 32-byte blob ids held in one Buffer, for the mark phase of a prune: a million ids take
 * 64 MiB at most (slots for twice as many, 32 bytes each, and a byte of occupancy a slot), where a
 * `Set` of a million 64-character strings takes several times that in objects the collector walks.
 * Open addressing with linear probing; a blob id is an HMAC-SHA256, uniformly spread, so its first
 * four bytes are the hash.
 */
export class IdSet {
  #ids = Buffer.alloc(INITIAL_SLOTS * ID_LENGTH);
  #used = new Uint8Array(INITIAL_SLOTS);
  #mask = INITIAL_SLOTS - 1;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(id: Buffer): boolean {
    return this.#find(id) >= 0;
  }

  /** Adds the id; false when it was held already. */
  add(id: Buffer): boolean {
    if (id.length !== ID_LENGTH) throw new RangeError(`a blob id is ${ID_LENGTH} bytes: got ${id.length}`);
    const at = this.#find(id);
    if (at >= 0) return false;
    if ((this.#size + 1) * 2 > this.#used.length) this.#grow();
    this.#put(id);
    this.#size++;
    return true;
  }

  /** The ids held, in no particular order (each a view into the set: copy one to keep it). */
  *[Symbol.iterator](): IterableIterator<Buffer> {
    for (let slot = 0; slot < this.#used.length; slot++) {
      if (this.#used[slot] === 1) yield this.#ids.subarray(slot * ID_LENGTH, (slot + 1) * ID_LENGTH);
    }
  }

  /** The slot holding `id`, or -1. */
  #find(id: Buffer): number {
    for (let slot = id.readUInt32BE(0) & this.#mask; this.#used[slot] === 1; slot = (slot + 1) & this.#mask) {
      if (id.equals(this.#ids.subarray(slot * ID_LENGTH, (slot + 1) * ID_LENGTH))) return slot;
    }
    return -1;
  }

  #put(id: Buffer): void {
    let slot = id.readUInt32BE(0) & this.#mask;
    while (this.#used[slot] === 1) slot = (slot + 1) & this.#mask;
    id.copy(this.#ids, slot * ID_LENGTH);
    this.#used[slot] = 1;
  }

  #grow(): void {
    const ids = this.#ids;
    const used = this.#used;
    this.#ids = Buffer.alloc(used.length * 2 * ID_LENGTH);
    this.#used = new Uint8Array(used.length * 2);
    this.#mask = used.length * 2 - 1;
    for (let slot = 0; slot < used.length; slot++) {
      if (used[slot] === 1) this.#put(ids.subarray(slot * ID_LENGTH, (slot + 1) * ID_LENGTH));
    }
  }
}
