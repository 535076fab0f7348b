import { createHmac } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { engineRejectionOf } from '../testing/engine-failure.js';
import { digestOf, pseudoRandom } from '../testing/pseudo-random.js';
import { blobAssociatedData, blobId, decodeBlob, encodeBlob } from './blob.js';
import { open, seal } from './seal.js';

const keys = { data: Buffer.alloc(32, 1), id: Buffer.alloc(32, 2) };
const text = Buffer.from('a line of a log file, the same as the one before it\n'.repeat(4000));

/** The flags byte and body inside a sealed blob, opened with the test's key. */
function inside(kind: 'data' | 'tree', id: Buffer, sealed: Buffer): Buffer {
  return open(keys.data, sealed, blobAssociatedData(kind, id), 'test');
}

describe('blob ids', () => {
  it('are HMAC-SHA256 of the plaintext under the id key, not its plain hash', () => {
    const id = blobId(keys.id, text);
    expect(id.toString('hex')).toBe(createHmac('sha256', Buffer.alloc(32, 2)).update(text).digest('hex'));
    expect(blobId(Buffer.alloc(32, 3), text)).not.toEqual(id);
  });
});

describe('encoding a blob', () => {
  it('deflates what deflating makes smaller, and decodes back to the plaintext', async () => {
    const blob = await encodeBlob(keys, 'data', text);
    expect({ deflated: blob.deflated, size: blob.size, kind: blob.kind }).toEqual({
      deflated: true,
      size: text.length,
      kind: 'data',
    });
    const encoded = inside('data', blob.id, blob.sealed);
    expect(encoded[0]).toBe(0x01);
    expect(digestOf(inflateRawSync(encoded.subarray(1)))).toBe(digestOf(text));
    expect(blob.sealed.length).toBeLessThan(text.length / 10);
    expect(digestOf(await decodeBlob(keys, 'data', blob.id, blob.sealed))).toBe(digestOf(text));
  });

  it('stores random bytes as they are, flags 0', async () => {
    const random = pseudoRandom(200_000, 'random');
    const blob = await encodeBlob(keys, 'data', random);
    expect(blob.deflated).toBe(false);
    expect(digestOf(inside('data', blob.id, blob.sealed))).toBe(
      digestOf(Buffer.concat([Buffer.from([0]), random])),
    );
    expect(digestOf(await decodeBlob(keys, 'data', blob.id, blob.sealed))).toBe(digestOf(random));
  });

  it('stores a small incompressible blob as it is too', async () => {
    const blob = await encodeBlob(keys, 'tree', pseudoRandom(100, 'small'));
    expect({ deflated: blob.deflated, length: blob.sealed.length }).toEqual({
      deflated: false,
      length: 12 + 1 + 100 + 16,
    });
  });

  it('decides on the first 64 KiB: random first, compressible after, is stored without trying the rest', async () => {
    const plaintext = Buffer.concat([pseudoRandom(64 * 1024, 'first'), Buffer.alloc(1024 * 1024)]);
    expect((await encodeBlob(keys, 'data', plaintext)).deflated).toBe(false);
  });

  it('deflates a blob whose first 64 KiB shrink, if the whole does too', async () => {
    const plaintext = Buffer.concat([Buffer.alloc(64 * 1024), pseudoRandom(128 * 1024, 'after')]);
    const blob = await encodeBlob(keys, 'data', plaintext);
    expect(blob.deflated).toBe(true);
    expect(digestOf(await decodeBlob(keys, 'data', blob.id, blob.sealed))).toBe(digestOf(plaintext));
  });

  it('keeps a blob whose first 64 KiB shrink but whose whole does not as it is', async () => {
    // 200 zero bytes make the sample shrink (65,391 bytes deflated); 4 MiB of random bytes after
    // them cost DEFLATE's stored blocks more than that saved.
    const sample = Buffer.concat([Buffer.alloc(200), pseudoRandom(64 * 1024 - 200, 'sample')]);
    const plaintext = Buffer.concat([sample, pseudoRandom(1024 * 1024, 'rest')]);
    expect(deflateRawSync(sample, { level: 1 }).length).toBeLessThan(sample.length);
    expect(deflateRawSync(plaintext, { level: 1 }).length).toBeGreaterThan(plaintext.length);
    const blob = await encodeBlob(keys, 'data', plaintext);
    expect(blob.deflated).toBe(false);
    expect(digestOf(inside('data', blob.id, blob.sealed))).toBe(
      digestOf(Buffer.concat([Buffer.from([0]), plaintext])),
    );
  });

  it('encodes an empty blob', async () => {
    const blob = await encodeBlob(keys, 'data', Buffer.alloc(0));
    expect(await decodeBlob(keys, 'data', blob.id, blob.sealed)).toEqual(Buffer.alloc(0));
  });
});

describe('decoding a blob', () => {
  it('refuses a blob under another id or kind with REPOSITORY_DAMAGED', async () => {
    const blob = await encodeBlob(keys, 'data', text);
    const other = blobId(keys.id, Buffer.from('other'));
    const wrongId = await engineRejectionOf(decodeBlob(keys, 'data', other, blob.sealed));
    expect({ code: wrongId.code, message: wrongId.message }).toEqual({
      code: 'REPOSITORY_DAMAGED',
      message: `Repository damaged: data blob ${other.toString('hex')} failed authentication: it is damaged, or was altered or moved`,
    });
    expect((await engineRejectionOf(decodeBlob(keys, 'tree', blob.id, blob.sealed))).code).toBe(
      'REPOSITORY_DAMAGED',
    );
  });

  it('refuses a flipped bit with REPOSITORY_DAMAGED', async () => {
    const blob = await encodeBlob(keys, 'data', text);
    const sealed = Buffer.from(blob.sealed);
    sealed[20] = sealed[20]! ^ 0x80;
    expect((await engineRejectionOf(decodeBlob(keys, 'data', blob.id, sealed))).code).toBe(
      'REPOSITORY_DAMAGED',
    );
  });

  it('refuses an authentic blob whose plaintext is not what its id names', async () => {
    const id = blobId(keys.id, Buffer.from('what the id names'));
    const sealed = seal(keys.data, Buffer.from('\0something else'), blobAssociatedData('data', id));
    const error = await engineRejectionOf(decodeBlob(keys, 'data', id, sealed));
    expect(error.message).toBe(`Repository damaged: data blob ${id.toString('hex')} holds other content`);
  });

  it('refuses unknown flags and a body that does not inflate', async () => {
    const id = blobId(keys.id, Buffer.from('x'));
    const flags = seal(keys.data, Buffer.from('\x02x'), blobAssociatedData('data', id));
    expect((await engineRejectionOf(decodeBlob(keys, 'data', id, flags))).message).toBe(
      `Repository damaged: data blob ${id.toString('hex')} has unknown flags 2`,
    );
    const garbage = seal(keys.data, Buffer.from([1, 0xff, 0xff, 0xff]), blobAssociatedData('data', id));
    expect((await engineRejectionOf(decodeBlob(keys, 'data', id, garbage))).message).toBe(
      `Repository damaged: data blob ${id.toString('hex')} does not inflate`,
    );
  });

  it('inflates no further than 64 MiB', async () => {
    const huge = Buffer.alloc(64 * 1024 * 1024 + 1);
    const id = blobId(keys.id, huge);
    const bomb = seal(
      keys.data,
      [Buffer.from([1]), deflateRawSync(huge, { level: 1 })],
      blobAssociatedData('data', id),
    );
    expect((await engineRejectionOf(decodeBlob(keys, 'data', id, bomb))).message).toBe(
      `Repository damaged: data blob ${id.toString('hex')} does not inflate`,
    );
  });
});
