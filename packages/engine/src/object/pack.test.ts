import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { engineErrorOf } from '../testing/engine-failure.js';
import { pseudoRandom } from '../testing/pseudo-random.js';
import { type BlobKind, encodeBlob } from './blob.js';
import { headerLength, openPackHeader, PackReader, PackWriter, packPath } from './pack.js';
import { associatedData, open, seal } from './seal.js';

const keys = { data: Buffer.alloc(32, 1), id: Buffer.alloc(32, 2) };
const plaintexts = ['one', 'two', 'three'].map((seed) => pseudoRandom(1000, seed));

async function packOf(kind: BlobKind = 'data') {
  const writer = new PackWriter(keys.data, kind);
  const blobs = await Promise.all(plaintexts.map((p) => encodeBlob(keys, kind, p)));
  for (const blob of blobs) expect(writer.add(blob)).toBe(true);
  return { blobs, pack: writer.finish() };
}

/** A pack made by hand: the given blobs, a header of the given records sealed properly, a trailer. */
function packFrom(blobs: Buffer[], header: Buffer) {
  const sealedHeader = seal(keys.data, header, associatedData('pack-header'));
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(sealedHeader.length);
  const bytes = Buffer.concat([...blobs, sealedHeader, trailer]);
  return { bytes, id: createHash('sha256').update(bytes).digest() };
}

describe('writing a pack', () => {
  it('lays out the blobs, the sealed header (41 bytes a blob), then its length in 4 bytes', async () => {
    const { blobs, pack } = await packOf();
    const blobBytes = blobs.reduce((sum, b) => sum + b.sealed.length, 0);
    const headerSealed = 12 + 3 * 41 + 16;
    expect(pack.bytes.length).toBe(blobBytes + headerSealed + 4);
    expect(pack.bytes.readUInt32BE(pack.bytes.length - 4)).toBe(headerSealed);
    expect(pack.bytes.subarray(0, blobs[0]!.sealed.length)).toEqual(blobs[0]!.sealed);
    const header = open(
      keys.data,
      pack.bytes.subarray(blobBytes, blobBytes + headerSealed),
      Buffer.from('pack-header\0'),
      'header',
    );
    expect(header[41]).toBe(1);
    expect(header.subarray(42, 74)).toEqual(blobs[1]!.id);
    expect([header.readUInt32BE(74), header.readUInt32BE(78)]).toEqual([
      blobs[0]!.sealed.length,
      blobs[1]!.sealed.length,
    ]);
  });

  it('names the pack by the SHA-256 of its bytes, under data/ or tree/ and two hex digits', async () => {
    const { pack } = await packOf('tree');
    const hex = createHash('sha256').update(pack.bytes).digest('hex');
    expect(pack.id.toString('hex')).toBe(hex);
    expect(pack.path).toBe(`tree/${hex.slice(0, 2)}/${hex}`);
  });

  it('adds a blob once, and no blob of the other kind', async () => {
    const writer = new PackWriter(keys.data, 'data');
    const blob = await encodeBlob(keys, 'data', plaintexts[0]!);
    expect([writer.add(blob), writer.add(blob), writer.count]).toEqual([true, false, 1]);
    const tree = await encodeBlob(keys, 'tree', plaintexts[0]!);
    expect(() => writer.add(tree)).toThrow('a data pack holds no tree blob');
  });

  it('is full once its blobs reach the target size', async () => {
    const writer = new PackWriter(keys.data, 'data', { target: 2048 });
    const blobs = await Promise.all(plaintexts.map((p) => encodeBlob(keys, 'data', p)));
    writer.add(blobs[0]!);
    expect([writer.size, writer.full]).toEqual([blobs[0]!.sealed.length, false]);
    writer.add(blobs[1]!);
    expect(writer.full).toBe(true);
  });

  it('keeps every blob and record when it outgrows its first room: 250 blobs, then one over the target', async () => {
    const writer = new PackWriter(keys.data, 'data', { target: 2048 });
    const inputs = [
      ...Array.from({ length: 250 }, (_, i) => pseudoRandom(100 + i, `small ${i}`)),
      // Larger than the room a pack of this target takes at first (the target and 1 MiB).
      pseudoRandom(1536 * 1024, 'large'),
    ];
    const blobs = [];
    for (const plaintext of inputs) blobs.push(await encodeBlob(keys, 'data', plaintext));
    for (const blob of blobs) writer.add(blob);
    const pack = writer.finish();
    let offset = 0;
    const expected = blobs.map((blob) => {
      const record = { kind: 'data', id: blob.id, offset, length: blob.sealed.length };
      offset += blob.sealed.length;
      return record;
    });
    expect(pack.records).toEqual(expected);
    expect(pack.bytes.length).toBe(offset + 12 + 251 * 41 + 16 + 4);
    const reader = new PackReader(keys.data, 'data', pack.id, pack.bytes);
    expect(reader.records).toEqual(expected);
    const read = [];
    for (const blob of blobs) read.push(await reader.blob(keys, blob.id));
    expect(read.map((plaintext, index) => plaintext.equals(inputs[index]!))).toEqual(inputs.map(() => true));
  });

  it('refuses to finish an empty pack', () => {
    expect(() => new PackWriter(keys.data, 'data').finish()).toThrow('a pack holds at least one blob');
  });
});

describe('reading a pack', () => {
  it('finds and opens each blob, and lists the records the writer made', async () => {
    const { pack, blobs } = await packOf();
    const reader = new PackReader(keys.data, 'data', pack.id, pack.bytes);
    expect(reader.records).toEqual(pack.records);
    for (const [index, blob] of blobs.entries()) {
      expect(await reader.blob(keys, blob.id)).toEqual(plaintexts[index]);
    }
    expect(reader.sealedBlob(Buffer.alloc(32))).toBeUndefined();
  });

  it('reads one blob by ranges: the trailer, then the header, then the blob', async () => {
    const { pack, blobs } = await packOf();
    const size = pack.bytes.length;
    const length = headerLength(pack.bytes.subarray(size - 4), size, 'pack');
    const blobsEnd = size - 4 - length;
    const records = openPackHeader(
      keys.data,
      'data',
      pack.bytes.subarray(blobsEnd, size - 4),
      blobsEnd,
      'pack',
    );
    const third = records[2]!;
    expect(third.id).toEqual(blobs[2]!.id);
    expect(pack.bytes.subarray(third.offset, third.offset + third.length)).toEqual(blobs[2]!.sealed);
  });

  it('refuses bytes under another name with REPOSITORY_DAMAGED, before reading them', async () => {
    const { pack } = await packOf();
    const other = Buffer.alloc(32, 9);
    const error = engineErrorOf(() => new PackReader(keys.data, 'data', other, pack.bytes));
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'REPOSITORY_DAMAGED',
      message: `Repository damaged: pack data/09/${other.toString('hex')} holds other bytes than its name says (SHA-256 ${pack.id.toString('hex')})`,
    });
  });

  it('refuses a truncated pack', async () => {
    const { pack } = await packOf();
    for (const cut of [1, 4, 100, pack.bytes.length - 3]) {
      const bytes = pack.bytes.subarray(0, pack.bytes.length - cut);
      const id = createHash('sha256').update(bytes).digest();
      expect(engineErrorOf(() => new PackReader(keys.data, 'data', id, bytes)).code, `cut ${cut}`).toBe(
        'REPOSITORY_DAMAGED',
      );
    }
  });

  it('says a trailer that does not fit the pack is truncated or damaged', () => {
    const error = engineErrorOf(() => headerLength(Buffer.from([0, 0x10, 0, 0]), 5000, 'pack data/ab/ab'));
    expect(error.message).toBe(
      'Repository damaged: pack data/ab/ab ends in a header length (1048576) that does not fit it: it is truncated or damaged',
    );
  });

  it('refuses a data pack opened as a tree pack', async () => {
    const { pack } = await packOf('data');
    const error = engineErrorOf(() => new PackReader(keys.data, 'tree', pack.id, pack.bytes));
    expect(error.message).toBe(
      `Repository damaged: pack ${packPath('tree', pack.id)} is a tree pack and lists a data blob`,
    );
  });

  it('refuses a header whose records leave gaps or overrun the blobs', async () => {
    const blob = await encodeBlob(keys, 'data', plaintexts[0]!);
    const record = Buffer.alloc(41);
    record[0] = 1;
    blob.id.copy(record, 1);
    record.writeUInt32BE(8, 33);
    record.writeUInt32BE(blob.sealed.length, 37);
    const { bytes, id } = packFrom([Buffer.alloc(8), blob.sealed], record);
    expect(engineErrorOf(() => new PackReader(keys.data, 'data', id, bytes)).message).toBe(
      `Repository damaged: the header of pack ${packPath('data', id)} lists a blob at 8 (+${blob.sealed.length}), not at 0`,
    );
    record.writeUInt32BE(0, 33);
    const short = packFrom([blob.sealed, Buffer.alloc(8)], record);
    expect(engineErrorOf(() => new PackReader(keys.data, 'data', short.id, short.bytes)).message).toBe(
      `Repository damaged: the header of pack ${packPath('data', short.id)} lists ${blob.sealed.length} bytes of blobs, the pack holds ${blob.sealed.length + 8}`,
    );
  });

  it('refuses a header sealed under another key', async () => {
    const { pack } = await packOf();
    const error = engineErrorOf(() => new PackReader(Buffer.alloc(32, 5), 'data', pack.id, pack.bytes));
    expect(error.message).toBe(
      `Repository damaged: the header of pack ${pack.path} failed authentication: it is damaged, or was altered or moved`,
    );
  });
});
