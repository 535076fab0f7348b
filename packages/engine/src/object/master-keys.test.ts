import { describe, expect, it } from 'vitest';
import { engineRejectionOf } from '../testing/engine-failure.js';
import { createMasterKeys, newKeyId, openMasterKeys, sealMasterKeys } from './master-keys.js';

function edited(object: Buffer, change: (json: Record<string, unknown>) => void): Buffer {
  const json = JSON.parse(object.toString('utf8')) as Record<string, unknown>;
  change(json);
  return Buffer.from(JSON.stringify(json));
}

const keys = createMasterKeys('c0ffee');

describe('the master key set', () => {
  it('creates three distinct random 32-byte keys for the repository it names', () => {
    expect(keys.repository).toBe('c0ffee');
    expect([keys.data.length, keys.id.length, keys.chunker.length]).toEqual([32, 32, 32]);
    expect(new Set([keys.data, keys.id, keys.chunker].map((k) => k.toString('hex'))).size).toBe(3);
    expect(createMasterKeys('c0ffee').data).not.toEqual(keys.data);
  });

  it('seals under a password with scrypt N=65536 r=8 p=1 and a 32-byte salt, and opens with it', async () => {
    const object = await sealMasterKeys(keys, 'correct horse', 'k1', {
      created: new Date('2026-12-06T00:00:00Z'),
    });
    const json = JSON.parse(object.toString('utf8'));
    expect(json).toMatchObject({
      version: 1,
      kdf: 'scrypt',
      N: 65536,
      r: 8,
      p: 1,
      created: '2026-12-06T00:00:00.000Z',
    });
    expect(Buffer.from(json.salt, 'base64').length).toBe(32);
    expect(object.includes(keys.data.toString('base64'))).toBe(false);
    expect(await openMasterKeys(object, 'correct horse', 'k1', 'c0ffee')).toEqual(keys);
  });

  it('opens the same master key set under each of several passwords', async () => {
    const first = await sealMasterKeys(keys, 'first', 'a');
    const second = await sealMasterKeys(keys, 'second', 'b');
    expect(await openMasterKeys(first, 'first', 'a', 'c0ffee')).toEqual(keys);
    expect(await openMasterKeys(second, 'second', 'b', 'c0ffee')).toEqual(keys);
  });

  it('refuses a wrong password with WRONG_PASSWORD', async () => {
    const object = await sealMasterKeys(keys, 'correct horse', 'k1');
    const error = await engineRejectionOf(openMasterKeys(object, 'correct hose', 'k1', 'c0ffee'));
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'WRONG_PASSWORD',
      message: 'The repository password does not open key k1',
    });
  });

  it('does not open a key object under another name', async () => {
    const object = await sealMasterKeys(keys, 'pw', 'k1');
    expect((await engineRejectionOf(openMasterKeys(object, 'pw', 'k2', 'c0ffee'))).code).toBe(
      'WRONG_PASSWORD',
    );
  });

  it('refuses a key object that is not JSON, or not a key object, with REPOSITORY_DAMAGED', async () => {
    const object = await sealMasterKeys(keys, 'pw', 'k1');
    const notJson = await engineRejectionOf(openMasterKeys(object.subarray(0, 40), 'pw', 'k1', 'c0ffee'));
    expect({ code: notJson.code, message: notJson.message }).toEqual({
      code: 'REPOSITORY_DAMAGED',
      message: 'Repository damaged: key k1 is not JSON',
    });
    const noSalt = await engineRejectionOf(
      openMasterKeys(
        edited(object, (j) => delete j.salt),
        'pw',
        'k1',
        'c0ffee',
      ),
    );
    expect(noSalt.code).toBe('REPOSITORY_DAMAGED');
    expect(noSalt.message).toContain('key k1 does not parse');
    expect(noSalt.message).toContain('salt');
  });

  it('refuses scrypt parameters past what a reader allows before deriving anything', async () => {
    const object = await sealMasterKeys(keys, 'pw', 'k1');
    for (const change of [{ N: 2 ** 30 }, { N: 65535 }, { r: 64 }, { N: 2 ** 20, r: 16 }]) {
      const error = await engineRejectionOf(
        openMasterKeys(
          edited(object, (j) => Object.assign(j, change)),
          'pw',
          'k1',
          'c0ffee',
        ),
      );
      expect(error.code, JSON.stringify(change)).toBe('REPOSITORY_DAMAGED');
    }
  });

  it('refuses the key set of another repository with REPOSITORY_DAMAGED', async () => {
    const object = await sealMasterKeys(keys, 'pw', 'k1');
    const error = await engineRejectionOf(openMasterKeys(object, 'pw', 'k1', 'decade'));
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'REPOSITORY_DAMAGED',
      message: 'Repository damaged: key k1 belongs to repository c0ffee, not to this one (decade)',
    });
  });

  it('refuses a key object with a field the format does not name', async () => {
    const object = await sealMasterKeys(keys, 'pw', 'k1');
    const error = await engineRejectionOf(
      openMasterKeys(
        edited(object, (j) => Object.assign(j, { hint: 'x' })),
        'pw',
        'k1',
        'c0ffee',
      ),
    );
    expect(error.code).toBe('REPOSITORY_DAMAGED');
    expect(error.message).toContain('hint');
  });

  it('names a new key with 16 random bytes in hex', () => {
    expect(newKeyId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newKeyId()).not.toBe(newKeyId());
  });
});
