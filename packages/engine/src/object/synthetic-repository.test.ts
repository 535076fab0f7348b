import { createCipheriv, createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workspace } from '../testing/helpers.js';
import { FileStore } from './file-store.js';
import { ObjectRepository } from './object-repository.js';
import {
  syntheticChunks,
  syntheticGarbage,
  syntheticPlan,
  writeSyntheticRepository,
} from './synthetic-repository.js';

const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };
const PASSWORD = 'synthetic password';
/** 1,000 chunks of 64 bytes over 10 snapshots: 100 chunks a snapshot, in directories of 50. */
const SHAPE = { chunks: 1000, snapshots: 10, chunkSize: 64, filesPerDirectory: 50 };
/** A 64-byte chunk sealed is 93 bytes (flags byte, nonce, tag): a pack of 50 of them is full at 4,650. */
const PACK_TARGET = 50 * 93;

describe('syntheticPlan', () => {
  it('forgets the odd snapshots, lends every third chunk of snapshots 3 and 7 to 4 and 8, and leaves 432 chunks of 1,000 garbage', () => {
    const plan = syntheticPlan(SHAPE);
    expect(plan.map((s) => s.forgotten)).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
    ]);
    expect(plan.map((s) => s.directories.map((d) => `${d.name}:${d.chunks.length}`))).toEqual([
      ['d00000:50', 'd00001:50'],
      ['d00000:50', 'd00001:50'],
      ['d00000:50', 'd00001:50'],
      ['d00000:50', 'd00001:50'],
      ['d00000:50', 'd00001:50', 'shared-00000:34'],
      ['d00000:50', 'd00001:50'],
      ['d00000:50', 'd00001:50'],
      ['d00000:50', 'd00001:50'],
      ['d00000:50', 'd00001:50', 'shared-00000:34'],
      ['d00000:50', 'd00001:50'],
    ]);
    expect(plan[2]!.directories[0]!.chunks.slice(0, 3)).toEqual([200, 201, 202]);
    expect(plan[4]!.directories[2]!.chunks.slice(0, 3)).toEqual([300, 303, 306]);
    // Snapshots 1, 5 and 9 wholly (300), and 66 of the 100 chunks of 3 and of 7.
    expect(syntheticGarbage(plan)).toBe(432);
  });

  it('refuses a shape with fewer chunks than snapshots, or no directory size', () => {
    expect(() => syntheticPlan({ ...SHAPE, chunks: 5 })).toThrow(
      'a synthetic shape has at least one snapshot and a chunk a snapshot: 5, 10',
    );
    expect(() => syntheticPlan({ ...SHAPE, filesPerDirectory: 0 })).toThrow(
      'files a directory: a positive integer, not 0',
    );
  });
});

describe('syntheticChunks', () => {
  it('cuts one AES-256-CTR keystream into chunks, chunk i at i × chunkSize', () => {
    const chunk = syntheticChunks(64, 'seed');
    const key = createHash('sha256').update('seed').digest();
    const stream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(192));
    expect(Buffer.concat([chunk(0), chunk(1), chunk(2)])).toEqual(stream);
    expect(chunk(1)).toEqual(syntheticChunks(64, 'seed')(1));
  });

  it('refuses a chunk size that is not a multiple of 16', () => {
    expect(() => syntheticChunks(100)).toThrow(
      'a synthetic chunk is a positive multiple of 16 bytes, not 100',
    );
  });
});

describe('writeSyntheticRepository', () => {
  let ws: Awaited<ReturnType<typeof workspace>>;
  let store: FileStore;

  beforeEach(async () => {
    ws = await workspace();
    store = await FileStore.open(ws.backup);
  });

  afterEach(async () => {
    await store.close();
    await ws.cleanup();
  });

  it('writes a repository that opens with the password, whose kept snapshots verify whole and whose garbage is the packs of the forgotten ones', async () => {
    const written = await writeSyntheticRepository(store, {
      password: PASSWORD,
      shape: SHAPE,
      scrypt: TEST_SCRYPT,
      packTarget: PACK_TARGET,
      folder: 'synthetic',
    });
    expect(written.repositoryId).toMatch(/^[0-9a-f]{64}$/);
    expect(written.snapshots.map((s) => s.forgotten)).toEqual(syntheticPlan(SHAPE).map((s) => s.forgotten));
    const kept = written.snapshots.filter((s) => !s.forgotten).map((s) => s.jobId);

    const repository = new ObjectRepository(store, { password: PASSWORD });
    expect(await repository.repositoryId()).toBe(written.repositoryId);
    expect((await repository.listSnapshots('synthetic')).map((s) => s.snapshot)).toEqual(kept);
    const verified = [];
    for (const jobId of kept) {
      const { files, bytes } = await repository.verify(jobId);
      verified.push({ files, bytes });
    }
    // Snapshots 0, 2, 4, 6, 8: 100 files of their own, and 34 lent files in 4 and 8.
    expect(verified).toEqual([
      { files: 100, bytes: 6400 },
      { files: 100, bytes: 6400 },
      { files: 134, bytes: 8576 },
      { files: 100, bytes: 6400 },
      { files: 134, bytes: 8576 },
    ]);

    // 20 data packs of 50 chunks (two a snapshot: a lent chunk is stored once). A directory's tree
    // deflates to under half the target: a snapshot's trees fill one tree pack, those of 4 and 8
    // (three directories) two.
    const packs = { data: 0, tree: 0 };
    for await (const { name } of store.list('')) {
      if (name.startsWith('data/')) packs.data++;
      if (name.startsWith('tree/')) packs.tree++;
    }
    expect(packs).toEqual({ data: 20, tree: 12 });
    // Unreferenced: the 6 data packs of snapshots 1, 5 and 9, and the tree packs of the five
    // forgotten snapshots; the data packs of 3 and 7 keep the chunks they lent.
    const unreferenced = await repository.unreferencedPacks();
    expect(unreferenced.filter((p) => p.name.startsWith('data/'))).toHaveLength(6);
    expect(unreferenced.filter((p) => p.name.startsWith('tree/'))).toHaveLength(5);
  });
});
