import { describe, expect, it } from 'vitest';
import { engineErrorOf } from '../testing/engine-failure.js';
import { blobId } from './blob.js';
import { compareNames, decodeTree, encodeTree, type TreeEntry } from './tree.js';

const idKey = Buffer.alloc(32, 2);
const a = 'a'.repeat(64);
const b = 'b'.repeat(64);

const file: TreeEntry = {
  name: 'notes.txt',
  type: 'file',
  mode: 0o644,
  mtime: '1764979200123456789',
  size: 12,
  inode: '4242',
  content: [a],
};
const dir: TreeEntry = { name: 'photos', type: 'dir', mode: 0o755, mtime: '1764979200000000000', subtree: b };
const link: TreeEntry = {
  name: 'latest',
  type: 'symlink',
  mode: 0o777,
  mtime: '-1000',
  target: 'photos/2024',
};

describe('encoding a tree', () => {
  it('writes canonical JSON: entries sorted by name, keys in the format order, no spaces', () => {
    const tree = encodeTree(idKey, [file, dir, link]);
    expect(tree.parts.length).toBe(1);
    expect(tree.parts[0]!.plaintext.toString()).toBe(
      '{"entries":[' +
        '{"name":"latest","type":"symlink","mode":511,"mtime":"-1000","target":"photos/2024"},' +
        `{"name":"notes.txt","type":"file","mode":420,"mtime":"1764979200123456789","size":12,"inode":"4242","content":["${a}"]},` +
        `{"name":"photos","type":"dir","mode":493,"mtime":"1764979200000000000","subtree":"${b}"}` +
        ']}',
    );
    expect(tree.id).toEqual(blobId(idKey, tree.parts[0]!.plaintext));
  });

  it('gives the same blob for the same directory, whatever order the entries came in', () => {
    expect(encodeTree(idKey, [link, dir, file]).id).toEqual(encodeTree(idKey, [file, dir, link]).id);
    expect(encodeTree(idKey, [link, { ...dir, mode: 0o700 }, file]).id).not.toEqual(
      encodeTree(idKey, [link, dir, file]).id,
    );
  });

  it('decodes what it encoded', () => {
    const tree = encodeTree(idKey, [file, dir, link]);
    expect(decodeTree(tree.parts[0]!.plaintext, 'tree blob x')).toEqual({ entries: [link, file, dir] });
  });

  it('orders names by UTF-8 bytes, which is not the order of UTF-16 units', () => {
    // U+FF5E sorts before U+1F600 in code points and UTF-8, after it in UTF-16 code units.
    const names = ['😀', '～', 'Z', 'a', 'é'];
    expect([...names].sort(compareNames)).toEqual(['Z', 'a', 'é', '～', '😀']);
    expect([...names].sort()).toEqual(['Z', 'a', 'é', '😀', '～']);
  });

  it('splits a large directory into parts, each naming the next, and keeps their order', () => {
    const entries: TreeEntry[] = Array.from({ length: 100 }, (_, index) => ({
      ...file,
      name: `f${String(index).padStart(3, '0')}`,
    }));
    const tree = encodeTree(idKey, entries, { partTarget: 2000 });
    expect(tree.parts.length).toBeGreaterThan(5);
    expect(tree.id).toEqual(tree.parts[0]!.id);
    const names: string[] = [];
    for (const [index, part] of tree.parts.entries()) {
      expect(part.plaintext.length).toBeLessThanOrEqual(2000 + 100);
      const decoded = decodeTree(part.plaintext, `part ${index}`);
      expect(decoded.next).toBe(tree.parts[index + 1]?.id.toString('hex'));
      names.push(...decoded.entries.map((entry) => entry.name));
    }
    expect(names).toEqual(entries.map((entry) => entry.name));
  });

  it('refuses two entries with one name', () => {
    expect(() => encodeTree(idKey, [file, { ...dir, name: file.name }])).toThrow(
      'two entries named notes.txt',
    );
  });

  it('encodes an empty directory', () => {
    const tree = encodeTree(idKey, []);
    expect(tree.parts.map((part) => part.plaintext.toString())).toEqual(['{"entries":[]}']);
  });
});

describe('decoding a tree', () => {
  const decodeJson = (json: unknown) =>
    engineErrorOf(() => decodeTree(Buffer.from(JSON.stringify(json)), 'tree blob x'));

  it('refuses entries out of order, or twice, with REPOSITORY_DAMAGED', () => {
    const error = decodeJson({ entries: [dir, file] });
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'REPOSITORY_DAMAGED',
      message: 'Repository damaged: tree blob x lists "notes.txt" out of order',
    });
    expect(decodeJson({ entries: [file, file] }).message).toBe(
      'Repository damaged: tree blob x lists "notes.txt" out of order',
    );
  });

  it.each([
    ['a name with a slash', { ...file, name: 'a/b' }],
    ['the name ..', { ...file, name: '..' }],
    ['an empty name', { ...file, name: '' }],
    ['a name over 255 bytes', { ...file, name: 'é'.repeat(128) }],
    ['a lone surrogate', { ...file, name: 'a\ud800' }],
    ['an mtime as a number', { ...file, mtime: 1764979200 }],
    ['a mode over 0o7777', { ...file, mode: 0o100644 }],
    ['a content id that is not 64 hex digits', { ...file, content: ['abc'] }],
    ['an unknown type', { ...file, type: 'fifo' }],
    ['a file without content', { name: 'x', type: 'file', mode: 0, mtime: '0', size: 0, inode: '1' }],
    ['an unknown field', { ...dir, owner: 'root' }],
  ])('refuses %s', (_what, entry) => {
    const error = decodeJson({ entries: [entry] });
    expect(error.code).toBe('REPOSITORY_DAMAGED');
    expect(error.message).toMatch(/^Repository damaged: tree blob x does not parse: /);
  });

  it('refuses what is not JSON', () => {
    expect(engineErrorOf(() => decodeTree(Buffer.from('{"entries":['), 'tree blob x')).message).toBe(
      'Repository damaged: tree blob x is not JSON',
    );
  });
});
