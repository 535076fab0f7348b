import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf, workspace, writeTree } from '../testing/helpers.js';
import { pseudoRandom } from '../testing/pseudo-random.js';
import { FileStore } from './file-store.js';
import { ObjectRepository } from './object-repository.js';
import type { ObjectStore } from './object-store.js';

const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
const PASSWORD = 'correct horse';
/** Each test file is one chunk that fills a pack of this target on its own. */
const PACK_TARGET = 10_000;

interface HeldPut {
  name: string;
  release: () => void;
  fail: (error: Error) => void;
}

/**
 * A file store whose pack puts wait until the test releases them (or fails them), telling the
 * test of each put as it starts and how many were running at once at most.
 */
class HeldStore implements ObjectStore {
  readonly puts: HeldPut[] = [];
  running = 0;
  mostRunning = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly inner: FileStore) {}

  /** Resolves once `count` pack puts have started. */
  started(count: number): Promise<void> {
    if (this.puts.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Releases every put from the `from`-th on as it starts, until `done` settles. */
  async releaseUntil(done: Promise<unknown>, from: number): Promise<void> {
    let settled = false;
    const ended = done.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    let released = from;
    while (!settled) {
      await Promise.race([this.started(released + 1), ended]);
      for (; released < this.puts.length; released++) this.puts[released]!.release();
    }
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    if (!/^(data|tree)\//.test(name)) return this.inner.put(name, bytes);
    this.running++;
    this.mostRunning = Math.max(this.mostRunning, this.running);
    try {
      await new Promise<void>((release, fail) => {
        this.puts.push({ name, release, fail });
        this.#waiters = this.#waiters.filter((waiter) => {
          if (this.puts.length < waiter.count) return true;
          waiter.resolve();
          return false;
        });
      });
      await this.inner.put(name, bytes);
    } finally {
      this.running--;
    }
  }

  putIfAbsent(name: string, bytes: Uint8Array) {
    return this.inner.putIfAbsent(name, bytes);
  }
  get(name: string) {
    return this.inner.get(name);
  }
  getRange(name: string, offset: number, length: number) {
    return this.inner.getRange(name, offset, length);
  }
  head(name: string) {
    return this.inner.head(name);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  delete(name: string) {
    return this.inner.delete(name);
  }
}

async function names(store: ObjectStore, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const { name } of store.list(prefix)) found.push(name);
  return found.sort();
}

describe('object backup: packs uploaded while reading', () => {
  let ws: Awaited<ReturnType<typeof workspace>>;
  let inner: FileStore;
  let store: HeldStore;
  let repository: ObjectRepository;
  beforeEach(async () => {
    ws = await workspace();
    inner = await FileStore.open(ws.backup);
    await ObjectRepository.init(inner, { password: PASSWORD, scrypt: TEST_SCRYPT });
    store = new HeldStore(inner);
    repository = new ObjectRepository(store, { password: PASSWORD, packTarget: PACK_TARGET });
  });
  afterEach(async () => {
    for (const put of store.puts) put.release();
    await inner.close();
    await ws.cleanup();
  });

  const files = (count: number) =>
    Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`docs/f${i}.bin`, pseudoRandom(20_000, `file ${i}`)]),
    );

  it('starts the second pack upload before the first is stored, never a third, and commits after all are stored', async () => {
    await writeTree(ws.src, files(5));
    let committed = false;
    const done = repository.backup('docs', { sourceRoot: ws.src, jobId: randomUUID() }).finally(() => {
      committed = true;
    });
    // Five data packs and one tree pack: each released only once the next one has started.
    for (let i = 0; i < 6; i++) {
      await store.started(Math.min(i + 2, 6));
      expect(store.running).toBeLessThanOrEqual(2);
      expect(await names(store, 'snapshots/')).toEqual([]);
      expect(committed).toBe(false);
      store.puts[i]!.release();
    }
    const result = await done;
    expect(store.puts.map(({ name }) => name.split('/')[0])).toEqual([
      'data',
      'data',
      'data',
      'data',
      'data',
      'tree',
    ]);
    expect(store.mostRunning).toBe(2);
    expect(result).toMatchObject({ files: 5, copiedFiles: 5, newChunks: 5 });
    expect(await names(store, 'snapshots/')).toEqual([`snapshots/${result.snapshot}`]);
    expect(await repository.verify(result.snapshot)).toMatchObject({ files: 5, bytes: 100_000 });
  });

  it('fails the backup with the error of a pack upload that fails while others run, and writes no snapshot', async () => {
    await writeTree(ws.src, files(4));
    const failure = new Error('storage refused the pack');
    const done = rejectionOf(repository.backup('docs', { sourceRoot: ws.src, jobId: randomUUID() }));
    await store.started(2);
    store.puts[0]!.fail(failure);
    store.puts[1]!.release();
    // The backup may start more uploads before it learns of the failure: let them all through.
    await store.releaseUntil(done, 2);
    expect(await done).toBe(failure);
    expect(store.running).toBe(0);
    expect(await names(store, 'snapshots/')).toEqual([]);
  });

  it('stores a chunk once when a second file holds it while its pack is still being uploaded', async () => {
    const same = pseudoRandom(20_000, 'same');
    await writeTree(ws.src, {
      'docs/a.bin': same,
      'docs/b.bin': same,
      'docs/c.bin': pseudoRandom(20_000, 'c'),
    });
    const done = repository.backup('docs', { sourceRoot: ws.src, jobId: randomUUID() });
    await store.started(2);
    store.puts[0]!.release();
    store.puts[1]!.release();
    await store.started(3);
    store.puts[2]!.release();
    const result = await done;
    expect(store.puts.map(({ name }) => name.split('/')[0])).toEqual(['data', 'data', 'tree']);
    expect(result).toMatchObject({ files: 3, newChunks: 2, reusedChunks: 1 });
    expect((await names(store, 'data/')).length).toBe(2);
  });

  it('backs up files just under, at and over 1 MiB (one read, or streamed) byte for byte', async () => {
    const MiB = 1024 * 1024;
    const sizes = [0, 3, MiB - 1, MiB, MiB + 1, 3 * MiB];
    const content = Object.fromEntries(
      sizes.map((size) => [`docs/s${size}.bin`, pseudoRandom(size, `size ${size}`)]),
    );
    await writeTree(ws.src, content);
    const done = repository.backup('docs', { sourceRoot: ws.src, jobId: randomUUID() });
    await store.releaseUntil(done, 0);
    const result = await done;
    expect(result).toMatchObject({ files: 6, bytes: 3 + MiB - 1 + MiB + MiB + 1 + 3 * MiB });
    await repository.restore(result.snapshot, { sourceRoot: ws.src, target: 'back' });
    for (const size of sizes) {
      const back = await fsp.readFile(path.join(ws.src, 'back', `s${size}.bin`));
      expect(back.equals(content[`docs/s${size}.bin`]!)).toBe(true);
    }
  });
});
