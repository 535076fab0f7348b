import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { engineErrorOf } from '../testing/engine-failure.js';
import { associatedData, open, seal } from './seal.js';

const key = Buffer.alloc(32, 7);
const aad = associatedData('data', Buffer.alloc(32, 1));
const plaintext = Buffer.from('the bytes of one chunk, and a few more of them');

function flipped(sealed: Buffer, index: number): Buffer {
  const copy = Buffer.from(sealed);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

describe('seal and open', () => {
  it('opens what it sealed, laid out as nonce, ciphertext, tag', () => {
    const sealed = seal(key, plaintext, aad);
    expect(sealed.length).toBe(12 + plaintext.length + 16);
    expect(sealed.includes(plaintext.subarray(0, 8))).toBe(false);
    expect(open(key, sealed, aad, 'data blob x')).toEqual(plaintext);
  });

  it('seals the same plaintext differently each time (a fresh nonce)', () => {
    expect(seal(key, plaintext, aad).subarray(0, 12)).not.toEqual(seal(key, plaintext, aad).subarray(0, 12));
  });

  it('seals parts as one plaintext', () => {
    const sealed = seal(key, [plaintext.subarray(0, 5), plaintext.subarray(5)], aad);
    expect(open(key, sealed, aad, 'data blob x')).toEqual(plaintext);
  });

  it.each([
    ['the nonce', 0],
    ['the nonce, its last byte', 11],
    ['the ciphertext', 12 + 3],
    ['the tag', 12 + plaintext.length + 15],
  ])('refuses a bit flipped in %s with REPOSITORY_DAMAGED', (_where, index) => {
    const sealed = seal(key, plaintext, aad);
    const error = engineErrorOf(() => open(key, flipped(sealed, index), aad, 'data blob 0101'));
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'REPOSITORY_DAMAGED',
      message:
        'Repository damaged: data blob 0101 failed authentication: it is damaged, or was altered or moved',
    });
  });

  it('refuses other associated data: another name, or another kind with the same name', () => {
    const sealed = seal(key, plaintext, aad);
    for (const other of [
      associatedData('data', Buffer.alloc(32, 2)),
      associatedData('tree', Buffer.alloc(32, 1)),
    ]) {
      expect(engineErrorOf(() => open(key, sealed, other, 'data blob 0101')).code).toBe('REPOSITORY_DAMAGED');
    }
  });

  it('refuses another key', () => {
    const sealed = seal(key, plaintext, aad);
    expect(engineErrorOf(() => open(randomBytes(32), sealed, aad, 'data blob 0101')).code).toBe(
      'REPOSITORY_DAMAGED',
    );
  });

  it('refuses a truncated object, and one shorter than a nonce and a tag', () => {
    const sealed = seal(key, plaintext, aad);
    expect(engineErrorOf(() => open(key, sealed.subarray(0, sealed.length - 1), aad, 'x')).code).toBe(
      'REPOSITORY_DAMAGED',
    );
    expect(engineErrorOf(() => open(key, sealed.subarray(0, 27), aad, 'pack header')).message).toBe(
      'Repository damaged: pack header is 27 bytes, shorter than any sealed object',
    );
  });

  it('seals and opens an empty plaintext', () => {
    const sealed = seal(key, Buffer.alloc(0), aad);
    expect(sealed.length).toBe(28);
    expect(open(key, sealed, aad, 'x')).toEqual(Buffer.alloc(0));
  });

  it('binds associated data as label, a zero byte, then the name', () => {
    expect(associatedData('snapshot', 'job-1')).toEqual(Buffer.from('snapshot\0job-1'));
    expect(associatedData('pack-header')).toEqual(Buffer.from('pack-header\0'));
  });
});
