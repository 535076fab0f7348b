import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import { rejectionOf, workspace, writeTree } from '../testing/helpers.js';
import { digestOf, pseudoRandom } from '../testing/pseudo-random.js';
import { repositoryContract } from '../testing/repository-contract.js';
import { blobId } from './blob.js';
import { decodeConfig } from './config.js';
import { FileStore } from './file-store.js';
import { PACK_TRAILER_LENGTH } from './format.js';
import { openMasterKeys } from './master-keys.js';
import { MemoryBlobIndex } from './memory-blob-index.js';
import { ObjectRepository } from './object-repository.js';
import type { ObjectStore } from './object-store.js';
import { headerLength, openPackHeader } from './pack.js';
import { listingStore } from './test-object-store-contract.js';

/** A cheap scrypt cost for tests: the lowest a key object may record. */
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
const PASSWORD = 'correct horse';

repositoryContract('object repository (file://)', async () => {
  const ws = await workspace();
  const store = await FileStore.open(ws.backup);
  await ObjectRepository.init(store, { password: PASSWORD, scrypt: TEST_SCRYPT });
  return {
    repository: new ObjectRepository(store, { password: PASSWORD, scrypt: TEST_SCRYPT }),
    sourceRoot: ws.src,
    cleanup: async () => {
      await store.close();
      await ws.cleanup();
    },
  };
});

async function names(store: ObjectStore, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const { name } of store.list(prefix)) found.push(name);
  return found.sort();
}

/** The blobs a data pack's header lists, and the keys, read with the password as any reader would. */
async function packHeader(store: ObjectStore, pack: string) {
  const config = decodeConfig(await store.get('config'));
  const [key] = await names(store, 'keys/');
  const keys = await openMasterKeys(await store.get(key!), PASSWORD, key!.slice(5), config.id);
  const size = (await store.head(pack))!;
  const length = headerLength(await store.getRange(pack, size - PACK_TRAILER_LENGTH, 4), size, pack);
  const blobsEnd = size - PACK_TRAILER_LENGTH - length;
  const blobs = openPackHeader(
    keys.data,
    'data',
    await store.getRange(pack, blobsEnd, length),
    blobsEnd,
    pack,
  );
  return { keys, blobs };
}

/** The number of blobs a data pack holds. */
async function blobsIn(store: ObjectStore, pack: string): Promise<number> {
  return (await packHeader(store, pack)).blobs.length;
}

/** A store that records the object name of every range read. */
function rangeCountingStore(store: ObjectStore, ranges: string[]): ObjectStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'getRange')
        return (name: string, offset: number, length: number) => {
          ranges.push(name);
          return target.getRange(name, offset, length);
        };
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('object repository', () => {
  let ws: Awaited<ReturnType<typeof workspace>>;
  let store: FileStore;
  let repository: ObjectRepository;
  beforeEach(async () => {
    ws = await workspace();
    store = await FileStore.open(ws.backup);
    await ObjectRepository.init(store, { password: PASSWORD, scrypt: TEST_SCRYPT });
    repository = new ObjectRepository(store, { password: PASSWORD, scrypt: TEST_SCRYPT });
  });
  afterEach(async () => {
    await store.close();
    await ws.cleanup();
  });

  const backup = (folder: string, extra: { beforeCommit?: () => Promise<void>; now?: Date } = {}) =>
    repository.backup(folder, { sourceRoot: ws.src, jobId: randomUUID(), ...extra });

  it('creates a repository on an empty store: a config and one key object, and answers its id', async () => {
    const other = await FileStore.open(await fsp.mkdtemp(path.join(ws.dir, 'new-')));
    try {
      const id = await ObjectRepository.init(other, { password: PASSWORD, scrypt: TEST_SCRYPT });
      expect((await names(other, '')).map((name) => name.replace(/[0-9a-f]{32}$/, '<id>'))).toEqual([
        'config',
        'keys/<id>',
      ]);
      expect(decodeConfig(await other.get('config')).id).toBe(id);
    } finally {
      await other.close();
    }
  });

  it('refuses to create a repository where there is one, or where any object is, with REPOSITORY_EXISTS, writing nothing', async () => {
    const before = await names(store, '');
    const again = await rejectionOf(
      ObjectRepository.init(store, { password: PASSWORD, scrypt: TEST_SCRYPT }),
    );
    expect(again).toMatchObject({
      code: 'REPOSITORY_EXISTS',
      message: 'There is a repository at file:// already',
    });
    expect(await names(store, '')).toEqual(before);
    const dir = await fsp.mkdtemp(path.join(ws.dir, 'full-'));
    const other = await FileStore.open(dir);
    try {
      await other.put('data/left-over', Buffer.from('not ours'));
      const error = await rejectionOf(
        ObjectRepository.init(other, { password: PASSWORD, scrypt: TEST_SCRYPT }),
      );
      expect(error).toMatchObject({
        code: 'REPOSITORY_EXISTS',
        message: `file:// is not empty (it holds data/left-over): a repository is created only where nothing is`,
      });
      expect(await names(other, '')).toEqual(['data/left-over']);
    } finally {
      await other.close();
    }
  });

  it('never creates a repository when opened: an empty store is REPOSITORY_NOT_FOUND for open and probe, and stays empty', async () => {
    const dir = await fsp.mkdtemp(path.join(ws.dir, 'empty-'));
    const empty = await FileStore.open(dir);
    try {
      const opened = new ObjectRepository(empty, { password: PASSWORD });
      const message = `No repository at file://: create one with \`npm run repository -- init\``;
      expect(await rejectionOf(opened.open())).toMatchObject({ code: 'REPOSITORY_NOT_FOUND', message });
      expect(await rejectionOf(opened.probe())).toMatchObject({ code: 'REPOSITORY_NOT_FOUND', message });
      await writeTree(ws.src, { 'docs/a.txt': 'alpha' });
      const backup = opened.backup('docs', { sourceRoot: ws.src, jobId: randomUUID() });
      expect(await rejectionOf(backup)).toMatchObject({ code: 'REPOSITORY_NOT_FOUND', message });
      expect(await names(empty, '')).toEqual([]);
    } finally {
      await empty.close();
    }
  });

  it('probes without reading a pack: a wrong password and an unknown format version are refused, a right one passes', async () => {
    // A pack whose header does not authenticate: open() reads it and refuses, probe() never reads it.
    await store.put(`data/ab/${'ab'.repeat(32)}`, pseudoRandom(200, 'not a pack'));
    await repository.probe();
    expect(await rejectionOf(new ObjectRepository(store, { password: PASSWORD }).open())).toMatchObject({
      code: 'REPOSITORY_DAMAGED',
    });
    expect(await rejectionOf(new ObjectRepository(store, { password: 'wrong horse' }).probe())).toMatchObject(
      {
        code: 'WRONG_PASSWORD',
      },
    );
    const config = JSON.parse((await store.get('config')).toString());
    await store.put('config', Buffer.from(JSON.stringify({ ...config, version: 99 })));
    expect(await rejectionOf(repository.probe())).toMatchObject({
      code: 'UNKNOWN_LAYOUT',
      message:
        'The repository has format version 99, which this Strongbox does not know (it knows 1) (repository file://)',
    });
  });

  it('refuses a store that holds objects but no config with UNKNOWN_LAYOUT, and writes nothing', async () => {
    await store.delete('config');
    for (const key of await names(store, 'keys/')) await store.delete(key);
    await store.put('snapshots/left-over', Buffer.from('not ours'));
    const error = await rejectionOf(repository.open());
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: 'UNKNOWN_LAYOUT',
      message:
        'The store holds objects (snapshots/left-over) but no config: it is not a repository (repository file://)',
    });
    expect(await names(store, '')).toEqual(['snapshots/left-over']);
  });

  it('opens a repository whose config appears between its read and the listing (one made meanwhile)', async () => {
    const config = await store.get('config');
    await store.delete('config');
    // The first read finds no config; the repository is completed before the store is listed.
    let reads = 0;
    const racing: ObjectStore = {
      put: (name, bytes) => store.put(name, bytes),
      putIfAbsent: (name, bytes) => store.putIfAbsent(name, bytes),
      getRange: (name, offset, length) => store.getRange(name, offset, length),
      head: (name) => store.head(name),
      list: (prefix) => store.list(prefix),
      delete: (name) => store.delete(name),
      get: async (name) => {
        if (name !== 'config' || reads++ > 0) return store.get(name);
        const missing = await rejectionOf(store.get(name));
        await store.put('config', config);
        throw missing;
      },
    };
    await new ObjectRepository(racing, { password: PASSWORD }).probe();
    expect(reads).toBe(2);
  });

  it('refuses a password that opens no key with WRONG_PASSWORD', async () => {
    await repository.open();
    const other = new ObjectRepository(store, { password: 'wrong horse' });
    const error = await rejectionOf(other.listFolders());
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('WRONG_PASSWORD');
  });

  it('stores a file once: an unchanged folder backed up again, and the same file in another folder, add no data pack', async () => {
    const file = pseudoRandom(100_000, 'dedup');
    await writeTree(ws.src, { 'one/f.bin': file, 'two/copy.bin': file });
    await backup('one');
    expect(await names(store, 'data/')).toHaveLength(1);
    const packs = async () => (await names(store, '')).filter((name) => !name.startsWith('snapshots/'));
    const first = await packs();
    // Unchanged: not even a tree pack is written.
    expect(await backup('one')).toMatchObject({ files: 1, copiedFiles: 0, linkedFiles: 1 });
    expect(await packs()).toEqual(first);
    // The same bytes under another name in another folder: a new tree, no new data.
    const data = await names(store, 'data/');
    expect(await backup('two')).toMatchObject({ files: 1, copiedFiles: 0, linkedFiles: 1 });
    expect(await names(store, 'data/')).toEqual(data);
    // A new repository instance finds the same blobs by reading the pack headers.
    const reopened = new ObjectRepository(store, { password: PASSWORD });
    await writeTree(ws.src, { 'three/again.bin': file });
    await reopened.backup('three', { sourceRoot: ws.src, jobId: randomUUID() });
    expect(await names(store, 'data/')).toEqual(data);
  });

  it('counts in its result the chunks it stored (bytes before and after compression and sealing) and those it reused', async () => {
    const random = pseudoRandom(100_000, 'counted');
    await writeTree(ws.src, {
      'one/r.bin': random,
      'one/z.txt': 'a'.repeat(200_000),
      'two/copy.bin': random,
    });
    const first = await backup('one');
    expect(first).toMatchObject({ newChunks: 2, reusedChunks: 0, newBytes: 300_000 });
    // The random chunk is stored as it is: a flags byte, a 12-byte nonce and a 16-byte tag around it;
    // the repeated one deflates to a few hundred bytes.
    expect(first.storedBytes).toBeGreaterThan(100_029);
    expect(first.storedBytes).toBeLessThan(100_029 + 1_000);
    expect(await backup('one')).toMatchObject({ newChunks: 0, reusedChunks: 2, newBytes: 0, storedBytes: 0 });
    expect(await backup('two')).toMatchObject({ newChunks: 0, reusedChunks: 1, newBytes: 0, storedBytes: 0 });
  });

  it('takes a file whose size, mtime and inode match the parent snapshot from it without reading it', async () => {
    const file = path.join(ws.src, 'docs/a.txt');
    await writeTree(ws.src, { 'docs/a.txt': 'first' });
    await fsp.utimes(file, 1_700_000_000, 1_700_000_000);
    await backup('docs');
    // Other bytes of the same length, the mtime put back: the backup cannot tell, and keeps the old content.
    await fsp.writeFile(file, 'other');
    await fsp.utimes(file, 1_700_000_000, 1_700_000_000);
    const second = await backup('docs');
    expect(second).toMatchObject({ files: 1, copiedFiles: 0, linkedFiles: 1 });
    await repository.restore(second.snapshot, { sourceRoot: ws.src, target: 'back' });
    expect(await fsp.readFile(path.join(ws.src, 'back/a.txt'), 'utf8')).toBe('first');
  });

  describe('given the previous snapshot by the caller', () => {
    const listed: string[] = [];
    let watched: ObjectRepository;
    beforeEach(async () => {
      listed.length = 0;
      watched = new ObjectRepository(listingStore(store, listed), {
        password: PASSWORD,
        scrypt: TEST_SCRYPT,
      });
      await writeTree(ws.src, { 'docs/a.txt': 'alpha', 'docs/b.txt': 'bravo', 'other/c.txt': 'charlie' });
    });
    const backupWith = (folder: string, previous: string | null) =>
      watched.backup(folder, { sourceRoot: ws.src, jobId: randomUUID(), previous });

    it('takes unchanged files from the named snapshot without listing the snapshots', async () => {
      const first = await backup('docs');
      await backup('other');
      listed.length = 0;
      const second = await backupWith('docs', first.snapshot);
      expect(second).toMatchObject({ files: 2, copiedFiles: 0, linkedFiles: 2, newChunks: 0 });
      expect(listed.filter((prefix) => prefix.startsWith('snapshots'))).toEqual([]);
    });

    it("finds the parent by listing when the named snapshot is another folder's or is not there", async () => {
      const first = await backup('docs');
      const others = await backup('other');
      for (const previous of [others.snapshot, randomUUID()]) {
        listed.length = 0;
        const again = await backupWith('docs', previous);
        expect(again).toMatchObject({ files: 2, copiedFiles: 0, linkedFiles: 2 });
        expect(listed.filter((prefix) => prefix.startsWith('snapshots'))).toEqual(['snapshots/']);
      }
      expect(first.linkedFiles).toBe(0);
    });

    it('reads every file again when told there is none, without listing the snapshots', async () => {
      const file = path.join(ws.src, 'docs/a.txt');
      await fsp.utimes(file, 1_700_000_000, 1_700_000_000);
      await backup('docs');
      // Same size, same mtime: only a read tells the new bytes from the old.
      await fsp.writeFile(file, 'ALPHA');
      await fsp.utimes(file, 1_700_000_000, 1_700_000_000);
      listed.length = 0;
      const again = await backupWith('docs', null);
      expect(again).toMatchObject({ files: 2, newChunks: 1, reusedChunks: 1 });
      expect(listed.filter((prefix) => prefix.startsWith('snapshots'))).toEqual([]);
      await watched.restore(again.snapshot, { sourceRoot: ws.src, target: 'back', path: 'a.txt' });
      expect(await fsp.readFile(path.join(ws.src, 'back'), 'utf8')).toBe('ALPHA');
    });
  });

  it('uploads about one chunk for a 1-byte change in the middle of a 20 MiB file', async () => {
    const bytes = pseudoRandom(20 * 1024 * 1024, 'one byte');
    await writeTree(ws.src, { 'big/file.bin': bytes });
    await backup('big');
    const [firstPack] = await names(store, 'data/');
    expect(await blobsIn(store, firstPack!)).toBeGreaterThanOrEqual(3);
    bytes[10 * 1024 * 1024]! ^= 0xff;
    await writeTree(ws.src, { 'big/file.bin': bytes });
    const second = await backup('big');
    expect(second).toMatchObject({ files: 1, copiedFiles: 1 });
    const added = (await names(store, 'data/')).filter((name) => name !== firstPack);
    expect(added).toHaveLength(1);
    expect(await blobsIn(store, added[0]!)).toBeLessThanOrEqual(2);
    await repository.restore(second.snapshot, { sourceRoot: ws.src, target: 'back' });
    expect(digestOf(await fsp.readFile(path.join(ws.src, 'back/file.bin')))).toBe(digestOf(bytes));
  });

  it('fails verify with SNAPSHOT_CORRUPT naming the file whose pack has a flipped byte, and restores none of it', async () => {
    await writeTree(ws.src, { 'docs/good.txt': 'good content' });
    await backup('docs');
    const before = await names(store, 'data/');
    await writeTree(ws.src, { 'docs/sub/bad.txt': 'bad content, soon' });
    const made = await backup('docs');
    const [pack] = (await names(store, 'data/')).filter((name) => !before.includes(name));
    const bytes = await store.get(pack!);
    bytes[20]! ^= 0x01;
    await store.put(pack!, bytes);

    const error = await rejectionOf(repository.verify(made.snapshot));
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: 'SNAPSHOT_CORRUPT',
      message: `Snapshot ${made.snapshot} is corrupt: sub/bad.txt`,
    });
    const refused = await rejectionOf(
      repository.restore(made.snapshot, { sourceRoot: ws.src, target: 'back' }),
    );
    expect(refused).toMatchObject({
      code: 'SNAPSHOT_CORRUPT',
      message: `Snapshot ${made.snapshot} is corrupt: sub/bad.txt`,
    });
    await expect(fsp.stat(path.join(ws.src, 'back'))).rejects.toMatchObject({ code: 'ENOENT' });
    // What authenticates is still restored when asked for alone.
    await repository.restore(made.snapshot, { sourceRoot: ws.src, target: 'good', path: 'good.txt' });
    expect(await fsp.readFile(path.join(ws.src, 'good'), 'utf8')).toBe('good content');
  });

  it("ends a file's stream with REPOSITORY_DAMAGED, passing on no byte of a chunk that fails authentication", async () => {
    await writeTree(ws.src, { 'docs/bad.txt': 'soon damaged' });
    const made = await backup('docs');
    const [pack] = await names(store, 'data/');
    const bytes = await store.get(pack!);
    bytes[20]! ^= 0x01;
    await store.put(pack!, bytes);
    const file = await repository.readFile(made.snapshot, 'bad.txt');
    expect(file.size).toBe(12);
    const received: Buffer[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const chunk of file.stream) received.push(chunk as Buffer);
      })(),
    );
    expect(error).toMatchObject({ code: 'REPOSITORY_DAMAGED' });
    expect(received).toEqual([]);
  });

  describe('reads of a restore, coalesced by pack', () => {
    const FILES = 200;
    const contentOf = (i: number) => `small file number ${i}, `.repeat(1 + (i % 7));
    let made: Awaited<ReturnType<typeof backup>>;
    let dataPack: string | undefined;
    let treePack: string | undefined;
    beforeEach(async () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < FILES; i++) files[`many/f${String(i).padStart(3, '0')}.txt`] = contentOf(i);
      await writeTree(ws.src, files);
      made = await backup('many');
      [dataPack] = await names(store, 'data/');
      [treePack] = await names(store, 'tree/');
    });

    it('restores and verifies 200 small files in one pack with one range read of the data pack and one of the tree pack', async () => {
      expect(await names(store, 'data/')).toEqual([dataPack]);
      expect(await blobsIn(store, dataPack!)).toBe(FILES);
      const ranges: string[] = [];
      const counted = new ObjectRepository(rangeCountingStore(store, ranges), { password: PASSWORD });
      await counted.open();
      ranges.length = 0;
      expect(await counted.restore(made.snapshot, { sourceRoot: ws.src, target: 'back' })).toMatchObject({
        files: FILES,
      });
      expect(ranges).toEqual([treePack, dataPack]);
      for (let i = 0; i < FILES; i++) {
        const name = `f${String(i).padStart(3, '0')}.txt`;
        expect(await fsp.readFile(path.join(ws.src, 'back', name), 'utf8')).toBe(contentOf(i));
      }
      ranges.length = 0;
      expect(await counted.verify(made.snapshot)).toMatchObject({ files: FILES });
      expect(ranges).toEqual([treePack, dataPack]);
    });

    it('fails restore and verify naming only the file whose blob in the middle of a coalesced read is corrupt, and writes no target', async () => {
      const { keys, blobs } = await packHeader(store, dataPack!);
      const id = blobId(keys.id, Buffer.from(contentOf(100)));
      const blob = blobs.find((record) => record.id.equals(id))!;
      const sorted = [...blobs].sort((a, b) => a.offset - b.offset);
      // In the middle of the pack: blobs before and after it are read in the same range read.
      expect(sorted.indexOf(blob)).toBeGreaterThan(0);
      expect(sorted.indexOf(blob)).toBeLessThan(FILES - 1);
      const bytes = await store.get(dataPack!);
      bytes[blob.offset + Math.floor(blob.length / 2)]! ^= 0x01;
      await store.put(dataPack!, bytes);

      const ranges: string[] = [];
      const counted = new ObjectRepository(rangeCountingStore(store, ranges), { password: PASSWORD });
      await counted.open();
      ranges.length = 0;
      const refused = await rejectionOf(
        counted.restore(made.snapshot, { sourceRoot: ws.src, target: 'back' }),
      );
      expect(refused).toBeInstanceOf(EngineError);
      expect(refused).toMatchObject({
        code: 'SNAPSHOT_CORRUPT',
        message: `Snapshot ${made.snapshot} is corrupt: f100.txt`,
        details: { paths: ['f100.txt'] },
      });
      expect(ranges).toEqual([treePack, dataPack]);
      await expect(fsp.stat(path.join(ws.src, 'back'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await rejectionOf(counted.verify(made.snapshot))).toMatchObject({
        code: 'SNAPSHOT_CORRUPT',
        message: `Snapshot ${made.snapshot} is corrupt: f100.txt`,
      });
    });

    it('rejects a restore with the reason of an aborted signal and leaves no target', async () => {
      const controller = new AbortController();
      const reason = new Error('cancelled');
      controller.abort(reason);
      const error = await rejectionOf(
        repository.restore(made.snapshot, { sourceRoot: ws.src, target: 'back', signal: controller.signal }),
      );
      expect(error).toBe(reason);
      await expect(fsp.stat(path.join(ws.src, 'back'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('restores a 40 MiB file, more than one read window of 32 MiB, and the files beside it, each whole', async () => {
    const big = pseudoRandom(40 * 1024 * 1024, 'two windows');
    await writeTree(ws.src, { 'big/a.txt': 'before', 'big/b.bin': big, 'big/c.txt': 'after', 'big/d': '' });
    const made = await backup('big');
    await repository.restore(made.snapshot, { sourceRoot: ws.src, target: 'back' });
    const back = (rel: string) => path.join(ws.src, 'back', rel);
    expect(digestOf(await fsp.readFile(back('b.bin')))).toBe(digestOf(big));
    expect(await fsp.readFile(back('a.txt'), 'utf8')).toBe('before');
    expect(await fsp.readFile(back('c.txt'), 'utf8')).toBe('after');
    expect(await fsp.readFile(back('d'), 'utf8')).toBe('');
    expect(await repository.verify(made.snapshot)).toMatchObject({ files: 4, bytes: big.length + 11 });
  });

  it('restores modes, mtimes, symlinks and an empty file, and reports progress up to its totals', async () => {
    await writeTree(ws.src, { 'docs/ro/a.txt': 'alpha', 'docs/empty': '' });
    await fsp.symlink('ro/a.txt', path.join(ws.src, 'docs/link'));
    await fsp.chmod(path.join(ws.src, 'docs/ro/a.txt'), 0o640);
    await fsp.utimes(path.join(ws.src, 'docs/ro/a.txt'), 1_600_000_000, 1_600_000_000);
    await fsp.chmod(path.join(ws.src, 'docs/ro'), 0o555);
    const seen: { filesDone: number; bytesDone: number }[] = [];
    const made = await repository.backup('docs', {
      sourceRoot: ws.src,
      jobId: randomUUID(),
      onProgress: (p) => seen.push(p),
    });
    expect(made).toMatchObject({ files: 3, bytes: 5, copiedFiles: 2, linkedFiles: 0 });
    expect(seen.at(-1)).toEqual({ filesDone: 3, filesTotal: 3, bytesDone: 5, bytesTotal: 5 });
    await repository.restore(made.snapshot, { sourceRoot: ws.src, target: 'back' });
    const back = (rel: string) => path.join(ws.src, 'back', rel);
    expect((await fsp.stat(back('ro'))).mode & 0o7777).toBe(0o555);
    expect((await fsp.stat(back('ro/a.txt'))).mode & 0o7777).toBe(0o640);
    expect((await fsp.stat(back('ro/a.txt'))).mtimeMs).toBe(1_600_000_000_000);
    expect(await fsp.readlink(back('link'))).toBe('ro/a.txt');
    expect(await fsp.readFile(back('empty'), 'utf8')).toBe('');
  });

  it('refuses to open a repository holding a pack whose header does not authenticate, naming it', async () => {
    await repository.open();
    const pack = `data/ab/${'ab'.repeat(32)}`;
    await store.put(pack, pseudoRandom(200, 'not a pack'));
    const error = await rejectionOf(new ObjectRepository(store, { password: PASSWORD }).open());
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('REPOSITORY_DAMAGED');
    expect((error as EngineError).message).toContain(pack);
  });

  it('rejects with the reason of an aborted signal and writes no snapshot', async () => {
    await writeTree(ws.src, { 'docs/a.txt': 'alpha' });
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    const error = await rejectionOf(
      repository.backup('docs', { sourceRoot: ws.src, jobId: randomUUID(), signal: controller.signal }),
    );
    expect(error).toBe(reason);
    expect(await names(store, 'snapshots/')).toEqual([]);
  });

  it('refuses a job id that is not a UUID before it writes anything', async () => {
    await writeTree(ws.src, { 'docs/a.txt': 'alpha' });
    const error = await rejectionOf(repository.backup('docs', { sourceRoot: ws.src, jobId: 'job-1' }));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('a job id is a UUID: got "job-1"');
    expect((await names(store, '')).filter((name) => !/^(config|keys\/)/.test(name))).toEqual([]);
  });

  it('writes no snapshot object when beforeCommit refuses', async () => {
    await writeTree(ws.src, { 'docs/a.txt': 'alpha' });
    const refusal = new Error('lock lost');
    expect(await rejectionOf(backup('docs', { beforeCommit: () => Promise.reject(refusal) }))).toBe(refusal);
    expect(await names(store, 'snapshots/')).toEqual([]);
  });

  it('verifies and restores a snapshot that another writer stored after this repository was opened', async () => {
    const other = new ObjectRepository(store, { password: PASSWORD });
    await repository.open();
    await other.open();
    const bytes = pseudoRandom(300_000, 'other writer');
    await writeTree(ws.src, { 'docs/a.bin': bytes, 'docs/sub/b.txt': 'beta' });
    const made = await other.backup('docs', { sourceRoot: ws.src, jobId: randomUUID() });
    expect(await repository.verify(made.snapshot)).toMatchObject({ files: 2, bytes: 300_004 });
    await repository.restore(made.snapshot, { sourceRoot: ws.src, target: 'back' });
    expect(digestOf(await fsp.readFile(path.join(ws.src, 'back/a.bin')))).toBe(digestOf(bytes));
    expect(await fsp.readFile(path.join(ws.src, 'back/sub/b.txt'), 'utf8')).toBe('beta');
  });

  it('lists the packs once when a verify misses the blobs of a deleted pack, and fails SNAPSHOT_CORRUPT naming its files', async () => {
    await repository.open();
    const listed: string[] = [];
    const counting = listingStore(store, listed);
    // Opened before the backup: every blob of it is a miss for this reader.
    const reader = new ObjectRepository(counting, { password: PASSWORD });
    await reader.open();
    await writeTree(ws.src, { 'docs/a.txt': 'alpha', 'docs/b.txt': 'beta' });
    const made = await backup('docs');
    for (const pack of await names(store, 'data/')) await store.delete(pack);
    listed.length = 0;
    const error = await rejectionOf(reader.verify(made.snapshot));
    expect(error).toMatchObject({
      code: 'SNAPSHOT_CORRUPT',
      message: `Snapshot ${made.snapshot} is corrupt: a.txt, b.txt`,
    });
    expect(listed).toEqual(['data/', 'tree/']);
  });

  it('stores the same file backed up by two writers at once, each snapshot whole', async () => {
    const other = new ObjectRepository(store, { password: PASSWORD });
    await repository.open();
    await other.open();
    const bytes = pseudoRandom(200_000, 'both writers');
    await writeTree(ws.src, { 'one/same.bin': bytes, 'two/same.bin': bytes });
    const [one, two] = await Promise.all([
      repository.backup('one', { sourceRoot: ws.src, jobId: randomUUID() }),
      other.backup('two', { sourceRoot: ws.src, jobId: randomUUID() }),
    ]);
    for (const [made, target] of [
      [one, 'back-one'],
      [two, 'back-two'],
    ] as const) {
      await repository.restore(made.snapshot, { sourceRoot: ws.src, target });
      expect(digestOf(await fsp.readFile(path.join(ws.src, target, 'same.bin')))).toBe(digestOf(bytes));
    }
  });

  it("asks its index about many chunks at once: 256 a question while a backup reads, the parent directory's chunks in one", async () => {
    const asked: number[] = [];
    const index = new MemoryBlobIndex();
    const counted = new ObjectRepository(store, {
      password: PASSWORD,
      scrypt: TEST_SCRYPT,
      index: () => ({
        existing: (ids) => {
          asked.push(ids.length);
          return index.existing(ids);
        },
        place: (id) => index.place(id),
        record: (pack) => index.record(pack),
        unrecorded: (packs) => index.unrecorded(packs),
      }),
    });
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`many/f${String(i).padStart(3, '0')}.txt`] = `file ${i}`;
    await writeTree(ws.src, files);
    await counted.backup('many', { sourceRoot: ws.src, jobId: randomUUID() });
    // 300 one-chunk files: a question of 256, then the other 44 with the directory's tree.
    expect(asked).toEqual([256, 45]);
    asked.length = 0;
    const again = await counted.backup('many', { sourceRoot: ws.src, jobId: randomUUID() });
    // Unchanged: the parent's 300 chunks in one question, then the tree (the same one).
    expect(asked).toEqual([300, 1]);
    expect(again).toMatchObject({ files: 300, copiedFiles: 0, linkedFiles: 300 });
  });

  it('counts as unreferenced the packs only a forgotten snapshot used, not those a kept one shares, and deletes nothing', async () => {
    await writeTree(ws.src, { 'docs/kept.txt': 'kept in both' });
    await backup('docs', { now: new Date('2026-01-01T00:00:00Z') });
    const firstPacks = await names(store, '');
    await writeTree(ws.src, { 'docs/later.txt': 'only in the second' });
    await backup('docs', { now: new Date('2026-01-02T00:00:00Z') });
    expect(await repository.unreferencedPacks()).toEqual([]);

    await fsp.rm(path.join(ws.src, 'docs/later.txt'));
    const third = await backup('docs', { now: new Date('2026-01-03T00:00:00Z') });
    expect(await repository.forget('docs', { keepLast: 1, keepDaily: 0 })).toMatchObject({
      kept: [third.snapshot],
    });
    // The third snapshot's root tree is the first's again, and kept.txt's pack is shared: what only
    // the second used is its data pack (later.txt) and its tree pack.
    const secondOnly = (await names(store, '')).filter(
      (name) => !firstPacks.includes(name) && !name.startsWith('snapshots/'),
    );
    expect(secondOnly.map((name) => name.slice(0, 5)).sort()).toEqual(['data/', 'tree/']);
    const before = await names(store, '');
    const unreferenced = await repository.unreferencedPacks();
    expect(unreferenced.map((pack) => pack.name)).toEqual(secondOnly.sort());
    expect(unreferenced.map((pack) => pack.size)).toEqual(
      await Promise.all(secondOnly.sort().map(async (name) => (await store.head(name))!)),
    );
    expect(await names(store, '')).toEqual(before);
  });

  it('answers a snapshot name of a job, snapshots/<job id>, and sweeps nothing', async () => {
    await writeTree(ws.src, { 'docs/a.txt': 'alpha' });
    const jobId = randomUUID();
    const made = await repository.backup('docs', { sourceRoot: ws.src, jobId });
    expect(made.snapshot).toBe(jobId);
    expect(await names(store, 'snapshots/')).toEqual([`snapshots/${jobId}`]);
    expect(await repository.sweep('docs')).toEqual([]);
  });
});
