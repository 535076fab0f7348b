import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeFolderKey, folderKey, isFolderKey, MAX_KEY_BYTES } from './local-tree/layout.js';
import { validateFolder } from './validate-folder.js';

/** Every folder validateFolder accepts made of up to `length` symbols of `alphabet`. */
function allFolders(alphabet: string[], length: number): string[] {
  let level = [''];
  const out: string[] = [];
  for (let i = 0; i < length; i++) {
    level = level.flatMap((prefix) => alphabet.map((symbol) => prefix + symbol));
    for (const folder of level) if (validateFolder(folder) === null) out.push(folder);
  }
  return out;
}

describe('folderKey', () => {
  it.each([
    ['photos', 'photos'],
    ['photos/2024', 'photos%2F2024'],
    ['50%/x', '50%25%2Fx'],
    ['a%2Fb', 'a%252Fb'],
    ['.hidden/x', '%2Ehidden%2Fx'],
    ['a/.b', 'a%2F.b'],
    ['~user/x', '%7Euser%2Fx'],
    ['a~b', 'a~b'],
    ['20261122T010203Z-1a2b3c', '20261122T010203Z-1a2b3c'],
    ['ü ñ/漢字', 'ü ñ%2F漢字'],
  ])('encodes %j as %j, and decodes it back', (folder, key) => {
    expect(folderKey(folder)).toBe(key);
    expect(decodeFolderKey(key)).toBe(folder);
  });

  it('gives every folder its own key, one path component that decodes back and never starts with "."', () => {
    // Every valid folder made of the characters that matter, up to 6 long: over 200,000 of them.
    const folders = allFolders(['a', '.', '~', '%', '/', '2', 'F', 'E'], 6);
    expect(folders.length).toBeGreaterThan(200_000);
    const owners = new Map<string, string>();
    const wrong: unknown[] = [];
    for (const folder of folders) {
      const key = folderKey(folder);
      const shared = owners.get(key);
      if (shared !== undefined) wrong.push({ folder, key, sharedWith: shared });
      owners.set(key, folder);
      if (key.includes('/') || key.startsWith('.') || key === '' || decodeFolderKey(key) !== folder) {
        wrong.push({ folder, key, decoded: decodeFolderKey(key) });
      }
    }
    expect(wrong).toEqual([]);
  });

  it('uses the hash form for a key that would pass the safe length', () => {
    const long = `${'a'.repeat(150)}/${'b'.repeat(150)}`;
    const key = folderKey(long);
    expect(key).toBe(`~${createHash('sha256').update(long).digest('hex')}`);
    expect(decodeFolderKey(key)).toBeNull();
    // The boundary: a key of exactly MAX_KEY_BYTES stays readable; one byte more is hashed.
    expect(folderKey('x'.repeat(MAX_KEY_BYTES))).toBe('x'.repeat(MAX_KEY_BYTES));
    expect(folderKey('x'.repeat(MAX_KEY_BYTES + 1))).toMatch(/^~[0-9a-f]{64}$/);
    expect(folderKey('é'.repeat(MAX_KEY_BYTES / 2 + 1))).toMatch(/^~[0-9a-f]{64}$/);
    // Escapes count: 67 slashes between letters make a 200-byte folder whose key is hashed.
    expect(folderKey(Array.from({ length: 68 }, () => 'a').join('/'))).toMatch(/^~[0-9a-f]{64}$/);
    expect(isFolderKey(key)).toBe(true);
  });

  it('refuses to decode what no folder encodes to', () => {
    for (const key of [
      '',
      '.x',
      'a/b',
      'a%2',
      'a%zz',
      '%2e',
      'a%41',
      '~abc',
      '~',
      'x%2F',
      '%2Fx',
      'a%2F%2Fb',
      '%2E',
      '%2E%2E',
    ]) {
      expect({ key, decoded: decodeFolderKey(key), isKey: isFolderKey(key) }).toEqual({
        key,
        decoded: null,
        isKey: false,
      });
    }
  });
});
