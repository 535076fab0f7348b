import { createHash, randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Job } from '@strongbox/contract';
import {
  catalogBlobIndex,
  catalogRebuiltAt,
  connectDatabase,
  type Db,
  finishJob,
  getStats,
  insertJob,
  listJobs,
  listLogs,
  migrate,
  rebuildCatalog,
  startJob,
} from '@strongbox/db';
import {
  FileStore,
  ObjectRepository,
  type ObjectStore,
  writeSyntheticRepository,
} from '@strongbox/engine/object';
import { listingStore } from '@strongbox/engine/object/testing';
import { checkS3, createTestDatabase } from '@strongbox/services/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTestBucket } from './testing/bucket.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);

const PASSWORD = 'correct horse';
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** Cleanups of the running test, run after it whatever its end. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function newDatabase(): Promise<Db> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const db = await connectDatabase(database.url, { connectionLimit: 4 });
  cleanups.push(() => db.end());
  await migrate(db);
  return db;
}

const withCatalog = (store: ObjectStore, db: Db) =>
  new ObjectRepository(store, {
    password: PASSWORD,
    scrypt: TEST_SCRYPT,
    index: (repositoryId) => catalogBlobIndex(db, repositoryId),
  });

const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function succeededBackups(db: Db, folder: string): Promise<Job[]> {
  return (await listJobs(db, { kind: 'backup', status: 'succeeded', folder, limit: 100 })).items;
}

const subjects: { name: string; run: boolean; store: () => Promise<ObjectStore> }[] = [
  {
    name: 'file://',
    run: true,
    store: async () => {
      const dir = await fsp.mkdtemp(path.join(tmpdir(), 'strongbox-rebuild-repo-'));
      cleanups.push(() => fsp.rm(dir, { recursive: true, force: true }));
      const store = await FileStore.open(dir);
      cleanups.push(() => store.close());
      return store;
    },
  },
  {
    name: 's3://',
    run: s3.run,
    store: async () => {
      const bucket = await createTestBucket(s3.run ? s3.endpoint : '');
      cleanups.push(() => bucket.remove());
      return bucket.store({ prefix: 'repo' });
    },
  },
];

for (const subject of subjects) {
  describe.runIf(subject.run)(`catalog rebuilt from the repository (${subject.name})`, () => {
    /**
     * Backs up `alpha` three times and `beta` twice into the repository as a worker does, with
     * catalog DB #1; answers the bytes of each snapshot's file and the jobs.
     */
    async function backUpHistory(store: ObjectStore, db: Db, sourceRoot: string) {
      await ObjectRepository.init(store, { password: PASSWORD, scrypt: TEST_SCRYPT });
      const repository = withCatalog(store, db);
      const made: { folder: string; job: Job; file: string; bytes: Buffer; now: Date }[] = [];
      const rounds: [string, number][] = [
        ['alpha', 1],
        ['beta', 1],
        ['alpha', 2],
        ['alpha', 3],
        ['beta', 2],
      ];
      for (const [i, [folder, round]] of rounds.entries()) {
        const now = new Date(Date.UTC(2026, 10, 1 + i, 2, 0, 0, 250));
        const bytes = Buffer.from(`${folder} round ${round} `.repeat(5000 * round));
        const file = `${folder}/data-${round}.txt`;
        await fsp.mkdir(path.join(sourceRoot, folder), { recursive: true });
        await fsp.writeFile(path.join(sourceRoot, file), bytes);
        const { job } = await insertJob(db, { kind: 'backup', folder });
        await startJob(db, job.id, 'test-worker');
        const result = await repository.backup(folder, { sourceRoot, jobId: job.id, now });
        const ended = await finishJob(db, job.id, { status: 'succeeded', kind: 'backup', result });
        made.push({ folder, job: ended!, file: path.basename(file), bytes, now });
      }
      return made;
    }

    it('lists one succeeded backup job per snapshot of each folder in an empty database, restores the same bytes, and adds nothing when run again', async () => {
      const store = await subject.store();
      const sourceRoot = await fsp.mkdtemp(path.join(tmpdir(), 'strongbox-rebuild-src-'));
      cleanups.push(() => fsp.rm(sourceRoot, { recursive: true, force: true }));
      const first = await newDatabase();
      const made = await backUpHistory(store, first, sourceRoot);

      const second = await newDatabase();
      const listed: string[] = [];
      const repository = withCatalog(listingStore(store, listed), second);
      let packs = 0;
      for (const prefix of ['data/', 'tree/']) for await (const _ of store.list(prefix)) packs++;
      const counts = await rebuildCatalog(second, repository);
      expect(counts).toMatchObject({ snapshots: 5, added: 5, packs });
      expect(counts.blobs).toBeGreaterThanOrEqual(packs);

      for (const folder of ['alpha', 'beta']) {
        const jobs = await succeededBackups(second, folder);
        const expected = made.filter((m) => m.folder === folder).reverse();
        // Newest first, one per snapshot, each the job that made it.
        expect(jobs.map((job) => job.id)).toEqual(expected.map((m) => m.job.id));
        for (const [i, job] of jobs.entries()) {
          const { now, job: original } = expected[i]!;
          const durationMs = original.result?.durationMs ?? Number.NaN;
          expect(job).toMatchObject({
            kind: 'backup',
            folder,
            status: 'succeeded',
            createdAt: now.toISOString(),
            startedAt: now.toISOString(),
            finishedAt: new Date(now.getTime() + durationMs).toISOString(),
            result: original.result,
            error: null,
          });
        }
      }
      expect(await getStats(second)).toMatchObject({ backups: { total: 5, succeeded: 5 } });
      const logs = await listLogs(second, { limit: 100 });
      expect(logs.items.map((log) => [log.jobId, log.status, log.message]).sort()).toEqual(
        made.map((m) => [m.job.id, 'SUCCESS', 'rebuilt from the repository']).sort(),
      );

      // Restores from the rebuilt catalog: the same bytes, and no pack listed to find them.
      listed.length = 0;
      for (const [i, m] of made.entries()) {
        await repository.restore(m.job.id, { sourceRoot, target: `back-${i}` });
        const back = await fsp.readFile(path.join(sourceRoot, `back-${i}`, m.file));
        expect(digest(back)).toBe(digest(m.bytes));
      }
      expect(listed).toEqual([]);

      expect(await rebuildCatalog(second, repository)).toEqual({
        snapshots: 5,
        added: 0,
        packs: 0,
        blobs: 0,
      });
      expect((await succeededBackups(second, 'alpha')).map((job) => job.id)).toEqual(
        made
          .filter((m) => m.folder === 'alpha')
          .reverse()
          .map((m) => m.job.id),
      );
      expect(await getStats(second)).toMatchObject({ backups: { total: 5, succeeded: 5 } });
      expect((await listLogs(second, { limit: 100 })).items).toHaveLength(5);
    });

    it('stops with REPOSITORY_DAMAGED naming a pack whose header does not authenticate, and marks nothing rebuilt', async () => {
      const store = await subject.store();
      const sourceRoot = await fsp.mkdtemp(path.join(tmpdir(), 'strongbox-rebuild-src-'));
      cleanups.push(() => fsp.rm(sourceRoot, { recursive: true, force: true }));
      await backUpHistory(store, await newDatabase(), sourceRoot);
      const pack = `data/ab/${'ab'.repeat(32)}`;
      await store.put(pack, Buffer.from('not a pack, long enough to have a trailer'));
      const empty = await newDatabase();
      const repository = withCatalog(store, empty);
      const error = await rebuildCatalog(empty, repository).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'REPOSITORY_DAMAGED' });
      expect((error as Error).message).toContain(pack);
      expect(await catalogRebuiltAt(empty, await repository.repositoryId())).toBeNull();
      expect(await succeededBackups(empty, 'alpha')).toEqual([]);
    });

    it('records each snapshot once when two rebuilds run at once, without an error', async () => {
      const store = await subject.store();
      const sourceRoot = await fsp.mkdtemp(path.join(tmpdir(), 'strongbox-rebuild-src-'));
      cleanups.push(() => fsp.rm(sourceRoot, { recursive: true, force: true }));
      const made = await backUpHistory(store, await newDatabase(), sourceRoot);

      const empty = await newDatabase();
      const both = await Promise.all([
        rebuildCatalog(empty, withCatalog(store, empty)),
        rebuildCatalog(empty, withCatalog(store, empty)),
      ]);
      expect(both.map((counts) => counts.snapshots)).toEqual([5, 5]);
      expect(both[0]!.added + both[1]!.added).toBe(5);
      for (const folder of ['alpha', 'beta']) {
        expect((await succeededBackups(empty, folder)).map((job) => job.id).sort()).toEqual(
          made
            .filter((m) => m.folder === folder)
            .map((m) => m.job.id)
            .sort(),
        );
      }
      expect(await getStats(empty)).toMatchObject({ backups: { total: 5, succeeded: 5 } });
      expect((await listLogs(empty, { limit: 100 })).items).toHaveLength(5);
      // The blobs the two found are the blobs of one catalog: a backup of a snapshot's file again adds none.
      const again = await withCatalog(store, empty).backup('alpha', { sourceRoot, jobId: randomUUID() });
      expect(again).toMatchObject({ copiedFiles: 0 });
    });
  });
}

/** 1,000 chunks of 64 bytes over 10 snapshots, 50 files a directory (as the engine's test of it). */
const SYNTHETIC_SHAPE = { chunks: 1000, snapshots: 10, chunkSize: 64, filesPerDirectory: 50 };

/** The rows of a query, as plain objects. */
async function rowsOf(db: Db, sql: string): Promise<Record<string, unknown>[]> {
  const [rows] = await db.query(sql);
  return (rows as Record<string, unknown>[]).map((row) => ({ ...row }));
}

const blobRows = (db: Db) =>
  rowsOf(db, 'SELECT HEX(id) AS id, kind, pack, byte_offset, byte_length FROM repository_blob ORDER BY id');

describe('a synthetic repository written with the catalog as its index', () => {
  it('leaves a catalog that holds every pack and blob as a rebuild from the bucket alone records them, and the kept snapshots as backups', async () => {
    const db = await newDatabase();
    const store = await subjects[0]!.store();
    const written = await writeSyntheticRepository(store, {
      password: PASSWORD,
      shape: SYNTHETIC_SHAPE,
      scrypt: TEST_SCRYPT,
      index: (repositoryId) => catalogBlobIndex(db, repositoryId),
    });

    // The writers recorded every pack: the rebuild finds none to add, and adds the 5 kept snapshots.
    expect(await rebuildCatalog(db, withCatalog(store, db))).toEqual({
      snapshots: 5,
      added: 5,
      packs: 0,
      blobs: 0,
    });
    const stored: string[] = [];
    for await (const { name } of store.list('')) if (/^(data|tree)\//.test(name)) stored.push(name);
    const packs = await rowsOf(db, 'SELECT name FROM repository_pack ORDER BY name');
    expect(packs.map((row) => String(row.name))).toEqual(stored.sort());
    const kinds = await rowsOf(
      db,
      'SELECT kind, COUNT(*) AS n FROM repository_blob GROUP BY kind ORDER BY kind',
    );
    // 1,000 chunks; a tree for each of the 22 directories and the 10 roots.
    expect(kinds.map((row) => ({ kind: row.kind, n: Number(row.n) }))).toEqual([
      { kind: 'data', n: 1000 },
      { kind: 'tree', n: 32 },
    ]);
    const kept = written.snapshots.filter((s) => !s.forgotten).map((s) => s.jobId);
    const jobs = await listJobs(db, { kind: 'backup', status: 'succeeded', folder: 'synthetic', limit: 100 });
    expect(jobs.items.map((job) => job.id)).toEqual([...kept].reverse());

    // A second database rebuilt from the objects alone records the same blobs at the same places.
    const rebuilt = await newDatabase();
    expect(await rebuildCatalog(rebuilt, withCatalog(store, rebuilt))).toEqual({
      snapshots: 5,
      added: 5,
      packs: stored.length,
      blobs: 1032,
    });
    expect(await blobRows(rebuilt)).toEqual(await blobRows(db));
  });
});
