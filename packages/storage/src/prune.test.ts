import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  catalogBlobIndex,
  connectDatabase,
  type Db,
  finishJob,
  insertJob,
  migrate,
  pruneCatalog,
  startJob,
} from '@strongbox/db';
import type { BackupResult } from '@strongbox/engine';
import type { ObjectRepository, ObjectStore, PruneOptions, PruneReport } from '@strongbox/engine/object';
import { checkS3, createTestDatabase } from '@strongbox/services/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTarget, objectNames, TEST_PASSWORD, type TestTarget, writeFiles } from './testing/targets.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const endpoint = s3.run ? s3.endpoint : '';
const kinds = s3.run ? (['file', 's3'] as const) : (['file'] as const);

const CHILD = new URL('./testing/prune-until-killed.mjs', import.meta.url);

/** Cleanups of the running test, run after it whatever its end. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  target: TestTarget;
  db: Db;
  databaseUrl: string;
  store: ObjectStore;
  /** The repository with the catalog's blob index, one blob a pack unless told. */
  repository: ObjectRepository;
  repositoryId: string;
  prune(options?: PruneOptions): Promise<PruneReport>;
}

async function setUp(kind: 'file' | 's3', packTarget = 1): Promise<Setup> {
  const target = await createTarget(kind, endpoint);
  cleanups.push(() => target.remove());
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const db = await connectDatabase(database.url, { connectionLimit: 6 });
  cleanups.push(() => db.end());
  await migrate(db);
  const repository = await target.repository({
    packTarget,
    index: (repositoryId) => catalogBlobIndex(db, repositoryId),
  });
  const repositoryId = await repository.repositoryId();
  return {
    target,
    db,
    databaseUrl: database.url,
    store: await target.store(),
    repository,
    repositoryId,
    prune: (options) => repository.prune(pruneCatalog(db, repositoryId), options),
  };
}

/** A backup as the worker runs one: recorded as running in `backup_job` (the registry) while it runs. */
async function backUp(
  setup: Setup,
  folder: string,
  beforeCommit?: () => Promise<void>,
): Promise<BackupResult> {
  const { job } = await insertJob(setup.db, { kind: 'backup', folder });
  await startJob(setup.db, job.id, 'test-worker');
  try {
    const result = await setup.repository.backup(folder, {
      sourceRoot: setup.target.sourceRoot,
      jobId: job.id,
      ...(beforeCommit ? { beforeCommit } : {}),
    });
    await finishJob(setup.db, job.id, { status: 'succeeded', kind: 'backup', result });
    return result;
  } catch (error) {
    await finishJob(setup.db, job.id, { status: 'failed', error: { code: 'TEST', message: String(error) } });
    throw error;
  }
}

/** Forgets every snapshot of a folder, as retention deletes one: its snapshot object goes. */
async function forgetAll(setup: Setup, folder: string): Promise<void> {
  for (const { snapshot } of await setup.repository.listSnapshots(folder)) {
    await setup.store.delete(`snapshots/${snapshot}`);
  }
}

/** Every pack object, by name, with its size. */
async function packSizes(store: ObjectStore): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const prefix of ['data/', 'tree/'])
    for await (const { name, size } of store.list(prefix)) sizes.set(name, size);
  return sizes;
}

/** The names of the packs the catalog records, sorted. */
async function catalogPacks(setup: Setup): Promise<string[]> {
  return names(setup, 'SELECT name FROM repository_pack WHERE repository_id = UNHEX(?) ORDER BY name');
}

/** The names of the packs condemned in the catalog, sorted. */
async function condemnedPacks(setup: Setup): Promise<string[]> {
  return names(
    setup,
    'SELECT name FROM repository_condemned_pack WHERE repository_id = UNHEX(?) ORDER BY name',
  );
}

async function names(setup: Setup, sql: string): Promise<string[]> {
  const [rows] = (await setup.db.query(sql, [setup.repositoryId])) as unknown as [{ name: unknown }[]];
  return rows.map((row) => String(row.name));
}

/** Every snapshot verifies, each with the files it was made of. */
async function expectAllVerify(setup: Setup, expected: Map<string, number>): Promise<void> {
  for (const [snapshot, files] of expected) {
    expect(await setup.repository.verify(snapshot)).toMatchObject({ files });
  }
}

const added = (before: Map<string, number>, after: Map<string, number>) =>
  [...after.keys()].filter((name) => !before.has(name)).sort();

const NO_WORK = {
  packsDeleted: 0,
  bytesDeleted: 0,
  packsRepacked: 0,
  bytesRepacked: 0,
  packsWritten: 0,
  bytesWritten: 0,
  packsCondemned: 0,
  blobsCondemned: 0,
  packsRescued: 0,
  packsWaiting: 0,
  runningBackups: 0,
};

describe.each(kinds)('prune of an object repository in %s', (kind) => {
  it('condemns a forgotten snapshot’s own packs at the first prune, deletes them at the second, and keeps the shared one', async () => {
    const setup = await setUp(kind);
    await writeFiles(setup.target.sourceRoot, {
      'a/only.txt': 'only in a, '.repeat(50),
      'a/shared.txt': 'in a and b, '.repeat(50),
      'b/shared.txt': 'in a and b, '.repeat(50),
      'b/own.txt': 'only in b, '.repeat(50),
    });
    const empty = await packSizes(setup.store);
    const a = await backUp(setup, 'a');
    const afterA = await packSizes(setup.store);
    const b = await backUp(setup, 'b');
    const afterB = await packSizes(setup.store);
    // One blob a pack: a's two chunks and root tree; b's own chunk and root tree (the shared chunk is a's).
    expect([added(empty, afterA).length, added(afterA, afterB).length]).toEqual([3, 2]);
    expect([a.newChunks, b.newChunks, b.reusedChunks]).toEqual([2, 1, 1]);
    await forgetAll(setup, 'a');
    expect(await objectNames(setup.store, 'snapshots/')).toEqual([`snapshots/${b.snapshot}`]);

    const first = await setup.prune();
    expect(first).toMatchObject({ ...NO_WORK, packsCondemned: 2, blobsCondemned: 2 });
    // Nothing is deleted by the prune that condemns.
    expect(await packSizes(setup.store)).toEqual(afterB);
    const condemned = await condemnedPacks(setup);
    expect(condemned).toHaveLength(2);
    for (const name of condemned) expect(added(empty, afterA)).toContain(name);

    const second = await setup.prune();
    const bytes = condemned.reduce((sum, name) => sum + (afterB.get(name) ?? Number.NaN), 0);
    expect(second).toMatchObject({ ...NO_WORK, packsDeleted: 2, bytesDeleted: bytes });
    const left = await packSizes(setup.store);
    expect([...left.keys()].sort()).toEqual(
      [...afterB.keys()].filter((name) => !condemned.includes(name)).sort(),
    );
    expect(await catalogPacks(setup)).toEqual([...left.keys()].sort());
    expect(await condemnedPacks(setup)).toEqual([]);
    await expectAllVerify(setup, new Map([[b.snapshot, 2]]));
    expect(await setup.repository.unreferencedPacks()).toEqual([]);

    expect(await setup.prune()).toMatchObject(NO_WORK);
  });

  it('repacks a pack mostly garbage: the chunk in use is copied into a new pack, the old pack deleted at the next prune', async () => {
    const setup = await setUp(kind, 32 * 1024 * 1024);
    const kept = 'kept, small. '.repeat(20);
    await writeFiles(setup.target.sourceRoot, {
      'a/kept.txt': kept,
      'a/big1.txt': randomBytes(20_000),
      'a/big2.txt': randomBytes(20_000),
    });
    await backUp(setup, 'a');
    const afterA = await packSizes(setup.store);
    const oldData = [...afterA.keys()].filter((name) => name.startsWith('data/'));
    expect(oldData).toHaveLength(1);
    await fsp.rm(path.join(setup.target.sourceRoot, 'a/big1.txt'));
    await fsp.rm(path.join(setup.target.sourceRoot, 'a/big2.txt'));
    const b = await backUp(setup, 'a');
    expect([b.newChunks, b.reusedChunks]).toEqual([0, 1]);
    await setup.repository.forget('a', { keepLast: 1, keepDaily: 0 });
    const afterForget = await packSizes(setup.store);

    const first = await setup.prune();
    const written = added(afterForget, await packSizes(setup.store));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^data\//);
    // The data pack is repacked (its one chunk in use copied out); a's root tree's pack is garbage.
    expect(first).toMatchObject({
      ...NO_WORK,
      packsRepacked: 1,
      bytesRepacked: afterA.get(oldData[0]!),
      packsWritten: 1,
      bytesWritten: (await packSizes(setup.store)).get(written[0]!),
      packsCondemned: 2,
      blobsCondemned: 3,
    });
    expect(first.bytesWritten).toBeLessThan(first.bytesRepacked);
    await expectAllVerify(setup, new Map([[b.snapshot, 1]]));

    const condemned = await condemnedPacks(setup);
    expect(condemned).toContain(oldData[0]);
    const second = await setup.prune();
    const bytes = condemned.reduce((sum, name) => sum + (afterForget.get(name) ?? Number.NaN), 0);
    expect(second).toMatchObject({ ...NO_WORK, packsDeleted: 2, bytesDeleted: bytes });
    expect(await setup.store.head(oldData[0]!)).toBeUndefined();
    await expectAllVerify(setup, new Map([[b.snapshot, 1]]));
    const restored = await setup.repository.restore(b.snapshot, {
      sourceRoot: setup.target.sourceRoot,
      target: 'back',
    });
    expect(restored).toMatchObject({ files: 1 });
    expect(await fsp.readFile(path.join(setup.target.sourceRoot, 'back/kept.txt'), 'utf8')).toBe(kept);
    expect(await setup.repository.unreferencedPacks()).toEqual([]);
  });

  it('a backup that reused a chunk before the prune condemned it, and commits only after: the pack waits while it runs, is rescued after, and its snapshot verifies', async () => {
    const setup = await setUp(kind);
    await writeFiles(setup.target.sourceRoot, { 'a/x.txt': 'chunk x, '.repeat(40) });
    await backUp(setup, 'a');
    await writeFiles(setup.target.sourceRoot, { 'c/x.txt': 'chunk x, '.repeat(40) });
    await forgetAll(setup, 'a');

    // Backup c has looked x up (found, in the pack the prune is about to condemn) and waits to commit.
    let lookedUp!: () => void;
    const reachedCommit = new Promise<void>((resolve) => {
      lookedUp = resolve;
    });
    let commit!: () => void;
    const mayCommit = new Promise<void>((resolve) => {
      commit = resolve;
    });
    const c = backUp(setup, 'c', async () => {
      lookedUp();
      await mayCommit;
    });
    await reachedCommit;

    const first = await setup.prune();
    // x's pack and a's tree pack: unreferenced by any committed snapshot, condemned.
    expect(first).toMatchObject({ packsCondemned: 2, packsDeleted: 0, runningBackups: 1 });
    const second = await setup.prune();
    // c was running when they were condemned: nothing is deleted while it runs.
    expect(second).toMatchObject({ packsDeleted: 0, packsWaiting: 2, runningBackups: 1 });

    commit();
    const result = await c;
    expect([result.newChunks, result.reusedChunks]).toEqual([0, 1]);
    const third = await setup.prune();
    // c's snapshot references x: its pack is taken back; a's tree pack goes.
    expect(third).toMatchObject({ packsRescued: 1, packsDeleted: 1, runningBackups: 0 });
    expect(await condemnedPacks(setup)).toEqual([]);
    expect(await setup.prune()).toMatchObject(NO_WORK);
    await expectAllVerify(setup, new Map([[result.snapshot, 1]]));
  });

  it('a backup that starts after a chunk was condemned is not offered it: it stores the chunk again, and the condemned pack goes', async () => {
    const setup = await setUp(kind);
    await writeFiles(setup.target.sourceRoot, { 'a/x.txt': 'chunk x again, '.repeat(40) });
    await backUp(setup, 'a');
    await forgetAll(setup, 'a');
    expect(await setup.prune()).toMatchObject({ packsCondemned: 2 });
    const condemned = await condemnedPacks(setup);

    await writeFiles(setup.target.sourceRoot, { 'd/x.txt': 'chunk x again, '.repeat(40) });
    const d = await backUp(setup, 'd');
    expect([d.newChunks, d.reusedChunks]).toEqual([1, 0]);

    expect(await setup.prune()).toMatchObject({ packsDeleted: 2, packsRescued: 0 });
    for (const name of condemned) expect(await setup.store.head(name)).toBeUndefined();
    await expectAllVerify(setup, new Map([[d.snapshot, 1]]));
  });

  it('backups and prunes at once, on shared chunks, in a loop: every snapshot kept verifies after each round', async () => {
    const setup = await setUp(kind);
    const shared = Object.fromEntries(
      Array.from({ length: 4 }, (_, i) => [`shared${i}.txt`, `shared chunk ${i}, `.repeat(30)]),
    );
    const live = new Map<string, number>();
    let deleted = 0;
    for (let round = 0; round < 6; round++) {
      for (const folder of ['p', 'q']) {
        await writeFiles(setup.target.sourceRoot, {
          ...Object.fromEntries(Object.entries(shared).map(([name, text]) => [`${folder}/${name}`, text])),
          [`${folder}/round.txt`]: `${folder} round ${round}, `.repeat(30),
        });
      }
      const [p, q, pruned] = await Promise.all([backUp(setup, 'p'), backUp(setup, 'q'), setup.prune()]);
      deleted += pruned.packsDeleted;
      live.set(p.snapshot, 5);
      live.set(q.snapshot, 5);
      for (const folder of ['p', 'q']) {
        const { pruned: gone } = await setup.repository.forget(folder, { keepLast: 1, keepDaily: 0 });
        for (const snapshot of gone) live.delete(snapshot);
      }
      expect(live.size).toBe(2);
      await expectAllVerify(setup, live);
    }
    // The loop did delete: each round's own chunk of the round before is garbage once it is forgotten.
    expect(deleted).toBeGreaterThan(0);
    // Two more prunes with nothing running: every pack left holds a blob in use.
    await setup.prune();
    await setup.prune();
    expect(await setup.repository.unreferencedPacks()).toEqual([]);
    expect(await catalogPacks(setup)).toEqual([...(await packSizes(setup.store)).keys()].sort());
    await expectAllVerify(setup, live);
  });

  describe('a worker killed mid-prune', () => {
    let child: ChildProcess | undefined;
    afterEach(async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      child = undefined;
    });

    /** Runs a prune in a child process and SIGKILLs it once it reaches `stopAt`. */
    async function killAt(setup: Setup, stopAt: string): Promise<void> {
      const running = fork(CHILD, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child = running;
      const exited = once(running, 'exit');
      await new Promise<void>((resolve, reject) => {
        running.on('message', (message: { point?: string; finished?: unknown }) => {
          if (message.point === stopAt) resolve();
          if (message.finished) reject(new Error(`the prune finished before it reached ${stopAt}`));
        });
        running.once('exit', (code) => reject(new Error(`the child exited (${code}) before it was killed`)));
        running.send({
          url: setup.target.url,
          s3: setup.target.s3,
          password: TEST_PASSWORD,
          databaseUrl: setup.databaseUrl,
          stopAt,
        });
      });
      running.kill('SIGKILL');
      expect(await exited).toEqual([null, 'SIGKILL']);
    }

    it.each([
      ['condemned', 0],
      ['repack-stored', 0],
      ['repacked', 0],
      ['pack-deleted', 1],
    ] as const)(
      'at %s: every snapshot verifies, and the next prunes finish the work',
      async (point, prunesBefore) => {
        const setup = await setUp(kind, 32 * 1024 * 1024);
        await writeFiles(setup.target.sourceRoot, {
          'a/kept.txt': 'kept across the kill, '.repeat(20),
          'a/gone.txt': randomBytes(20_000),
          'z/other.txt': 'another folder, '.repeat(40),
        });
        await backUp(setup, 'a');
        await backUp(setup, 'z');
        await fsp.rm(path.join(setup.target.sourceRoot, 'a/gone.txt'));
        const b = await backUp(setup, 'a');
        await setup.repository.forget('a', { keepLast: 1, keepDaily: 0 });
        const z = (await setup.repository.listSnapshots('z'))[0]!.snapshot;
        for (let i = 0; i < prunesBefore; i++) await setup.prune();

        await killAt(setup, point);
        await expectAllVerify(
          setup,
          new Map([
            [b.snapshot, 1],
            [z, 1],
          ]),
        );

        await setup.prune();
        await setup.prune();
        expect(await setup.prune()).toMatchObject(NO_WORK);
        expect(await setup.repository.unreferencedPacks()).toEqual([]);
        expect(await catalogPacks(setup)).toEqual([...(await packSizes(setup.store)).keys()].sort());
        expect(await condemnedPacks(setup)).toEqual([]);
        await expectAllVerify(
          setup,
          new Map([
            [b.snapshot, 1],
            [z, 1],
          ]),
        );
      },
    );
  });
});
