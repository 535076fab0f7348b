import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from './file-store.js';
import { ObjectNotFoundError } from './object-store.js';
import { listed, objectStoreContract } from './test-object-store-contract.js';

objectStoreContract('file store', async () => {
  const root = await mkdtemp(join(tmpdir(), 'strongbox-file-store-'));
  const store = await FileStore.open(root);
  return {
    store,
    remove: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

describe('file store: the root and what lies under it', () => {
  let base: string;
  let root: string;
  let outside: string;
  let store: FileStore;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'strongbox-file-store-'));
    root = join(base, 'repo');
    outside = join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
    store = await FileStore.open(root);
  });
  afterEach(async () => {
    await store.close();
    await rm(base, { recursive: true, force: true });
  });

  it('keeps each object as a file at its name under the root, and no temporary file after', async () => {
    await store.put('data/3f/3f01', Buffer.from('pack'));
    expect(await store.putIfAbsent('snapshots/job-1', Buffer.from('snap'))).toBe('written');
    expect(await store.putIfAbsent('snapshots/job-1', Buffer.from('again'))).toBe('exists');
    expect(await readFile(join(root, 'data/3f/3f01'), 'utf8')).toBe('pack');
    expect(await readFile(join(root, 'snapshots/job-1'), 'utf8')).toBe('snap');
    expect(await readdir(join(root, 'snapshots'))).toEqual(['job-1']);
    expect(await readdir(join(root, 'data/3f'))).toEqual(['3f01']);
  });

  it('never writes through a symlinked directory under the root to outside it', async () => {
    await symlink(outside, join(root, 'data'));
    await expect(store.put('data/00/x', Buffer.from('x'))).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(store.putIfAbsent('data/00/x', Buffer.from('x'))).rejects.toMatchObject({
      code: 'IO_ERROR',
    });
    expect(await readdir(outside)).toEqual([]);
  });

  it('neither reads through a symlink under the root nor lists it', async () => {
    await writeFile(join(outside, 'secret'), 'secret');
    await mkdir(join(root, 'keys'));
    await symlink(join(outside, 'secret'), join(root, 'keys/k1'));
    await symlink(outside, join(root, 'snapshots'));
    await expect(store.get('keys/k1')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.get('snapshots/secret')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await store.head('keys/k1')).toBeUndefined();
    expect(await store.head('snapshots/secret')).toBeUndefined();
    expect(await listed(store, '')).toEqual([]);
  });

  it('does not list temporary files that a writer left, nor files no object is named', async () => {
    await mkdir(join(root, 'snapshots'));
    await writeFile(join(root, 'snapshots/.tmp-0123'), 'partial');
    await writeFile(join(root, 'snapshots/not an object'), 'x');
    await mkdir(join(root, 'odd dir'));
    await writeFile(join(root, 'odd dir/config'), 'x');
    await store.put('snapshots/job-2', Buffer.from('done'));
    expect(await listed(store, '')).toEqual([{ name: 'snapshots/job-2', size: 4 }]);
  });

  it('refuses a relative root, and answers a missing one with REPOSITORY_UNAVAILABLE', async () => {
    await expect(FileStore.open('repo')).rejects.toThrow(
      "A file store's root must be an absolute path: got repo",
    );
    await expect(FileStore.open(join(base, 'missing'))).rejects.toMatchObject({
      code: 'REPOSITORY_UNAVAILABLE',
      message: "Repository unavailable: cannot open the repository's directory (ENOENT)",
    });
  });
});
