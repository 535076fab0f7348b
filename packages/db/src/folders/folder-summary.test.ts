import { randomUUID } from 'node:crypto';
import type { BackupResult, Job } from '@strongbox/contract';
import { createTestDatabase, type TestDatabase } from '@strongbox/services/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../connection.js';
import {
  connectDatabase,
  deleteSchedule,
  finishJob,
  getFolderSummary,
  InvalidCursorError,
  insertJob,
  insertSchedule,
  listFolders,
  listJobs,
  markPruned,
  migrate,
  putFolderPolicy,
  seedHistory,
  startJob,
} from '../index.js';
import { migrateBefore } from '../testing/migrate-before.js';
import { useMigratedDatabase } from '../testing/migrated-database.js';

// Enough connections for the concurrent ends below to run at once.
const fixture = useMigratedDatabase({ connectionLimit: 12 });

const result = (snapshot: string, more: Partial<BackupResult> = {}): BackupResult => ({
  snapshot,
  files: 3,
  bytes: 300,
  copiedFiles: 1,
  copiedBytes: 100,
  linkedFiles: 2,
  skipped: 0,
  warnings: [],
  durationMs: 1,
  ...more,
});

/** Records and starts a backup of `folder`, as the API and a worker do. */
async function started(db: Db, folder: string): Promise<Job> {
  const { job } = await insertJob(db, { kind: 'backup', folder });
  await startJob(db, job.id, 'test:1');
  return job;
}

async function succeed(db: Db, folder: string, snapshot: string, more: Partial<BackupResult> = {}) {
  const job = await started(db, folder);
  const ended = await finishJob(db, job.id, {
    status: 'succeeded',
    kind: 'backup',
    result: result(snapshot, more),
  });
  if (!ended) throw new Error('the backup did not end');
  return ended;
}

async function fail(db: Db, folder: string, code: string) {
  const job = await started(db, folder);
  const ended = await finishJob(db, job.id, { status: 'failed', error: { code, message: 'test' } });
  if (!ended) throw new Error('the backup did not end');
  return ended;
}

const snapshotOf = (job: Job, files = 3, bytes = 300) => ({
  backupId: job.id,
  snapshot: (job.result as BackupResult).snapshot,
  finishedAt: job.finishedAt,
  files,
  bytes,
});

describe('folder summaries (migration 0018)', () => {
  it('follows a folder through its backups: newest backup, newest success, snapshots and the newest one', async () => {
    const folder = 'sum/a';
    const queued = await insertJob(fixture.db, { kind: 'backup', folder });
    expect(await getFolderSummary(fixture.db, folder)).toEqual({
      folder,
      lastBackup: null,
      lastSuccessAt: null,
      snapshotCount: 0,
      latestSnapshot: null,
      scheduleCount: 0,
      hasPolicy: false,
    });
    await finishJob(fixture.db, queued.job.id, {
      status: 'cancelled',
      error: { code: 'CANCELLED', message: 'x' },
    });
    await succeed(fixture.db, folder, 'sum%2Fa/1');
    const second = await succeed(fixture.db, folder, 'sum%2Fa/2', {
      newBytes: 4096,
      files: 5,
      bytes: 500,
    });
    const failed = await fail(fixture.db, folder, 'NO_SPACE');
    const verify = await insertJob(fixture.db, {
      kind: 'verify',
      folder,
      params: { backupId: second.id },
    });
    await startJob(fixture.db, verify.job.id, 'test:1');
    await finishJob(fixture.db, verify.job.id, {
      status: 'failed',
      error: { code: 'SNAPSHOT_CORRUPT', message: 'x' },
    });

    expect(await getFolderSummary(fixture.db, folder)).toEqual({
      folder,
      lastBackup: {
        id: failed.id,
        status: 'failed',
        finishedAt: failed.finishedAt,
        errorCode: 'NO_SPACE',
        addedBytes: null,
      },
      lastSuccessAt: second.finishedAt,
      snapshotCount: 2,
      latestSnapshot: snapshotOf(second, 5, 500),
      scheduleCount: 0,
      hasPolicy: false,
    });
    const third = await succeed(fixture.db, folder, 'sum%2Fa/3');
    expect((await getFolderSummary(fixture.db, folder))?.lastBackup).toEqual({
      id: third.id,
      status: 'succeeded',
      finishedAt: third.finishedAt,
      errorCode: null,
      addedBytes: 100,
    });
  });

  it('answers the newest object-repository backup with its newBytes as the bytes added', async () => {
    const ended = await succeed(fixture.db, 'sum/object', 'sum%2Fobject/1', {
      newBytes: 4096,
      copiedBytes: 9,
    });
    expect((await getFolderSummary(fixture.db, 'sum/object'))?.lastBackup).toEqual({
      id: ended.id,
      status: 'succeeded',
      finishedAt: ended.finishedAt,
      errorCode: null,
      addedBytes: 4096,
    });
  });

  it('lists folders with a job, a schedule or a policy in byte order, a page at a time', async () => {
    const db = await isolated();
    await insertJob(db, { kind: 'backup', folder: 'b' });
    await insertSchedule(db, { folder: 'a/é', cron: '0 3 * * *' });
    await putFolderPolicy(db, 'a/z', {
      exclude: ['*.tmp'],
      excludeIfPresent: [],
      maxFileSize: null,
      retention: null,
    });
    await insertJob(db, { kind: 'backup', folder: 'a ' });
    const first = await listFolders(db, { limit: 2 });
    expect(first.items.map((item) => item.folder)).toEqual(['a ', 'a/z']);
    expect(first.items[1]).toEqual({
      folder: 'a/z',
      lastBackup: null,
      lastSuccessAt: null,
      snapshotCount: 0,
      latestSnapshot: null,
      scheduleCount: 0,
      hasPolicy: true,
    });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await listFolders(db, { limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.items.map((item) => [item.folder, item.scheduleCount])).toEqual([
      ['a/é', 1],
      ['b', 0],
    ]);
    expect(second.nextCursor).toBeNull();
    await expect(listFolders(db, { limit: 2, cursor: 'nope' })).rejects.toBeInstanceOf(InvalidCursorError);
    // "a" is not "a " (the key is the folder's bytes; MariaDB's _bin collations ignore trailing spaces).
    expect(await getFolderSummary(db, 'a')).toBeNull();
  });

  it('drops a folder whose last schedule is deleted when it has no job and no policy, and keeps one that has', async () => {
    const db = await isolated();
    const alone = await insertSchedule(db, { folder: 'only/schedule', cron: '0 3 * * *' });
    const twice = await insertSchedule(db, { folder: 'only/schedule', cron: '0 4 * * *' });
    const withJob = await insertSchedule(db, { folder: 'with/job', cron: '0 3 * * *' });
    await insertJob(db, { kind: 'backup', folder: 'with/job' });
    expect((await getFolderSummary(db, 'only/schedule'))?.scheduleCount).toBe(2);
    expect(await deleteSchedule(db, alone.id)).toBe(true);
    expect((await getFolderSummary(db, 'only/schedule'))?.scheduleCount).toBe(1);
    expect(await deleteSchedule(db, twice.id)).toBe(true);
    expect(await deleteSchedule(db, twice.id)).toBe(false);
    expect(await getFolderSummary(db, 'only/schedule')).toBeNull();
    expect(await deleteSchedule(db, withJob.id)).toBe(true);
    expect((await getFolderSummary(db, 'with/job'))?.scheduleCount).toBe(0);
    expect((await listFolders(db, { limit: 10 })).items.map((item) => item.folder)).toEqual(['with/job']);
  });

  it('keeps the newest backup and counts every snapshot when backups of one folder end at once', async () => {
    const folder = 'sum/concurrent';
    const jobs: Job[] = [];
    for (let n = 0; n < 10; n++) jobs.push(await started(fixture.db, folder));
    const ended = await Promise.all(
      jobs.map((job, n) =>
        n % 3 === 2
          ? finishJob(fixture.db, job.id, { status: 'failed', error: { code: 'IO_ERROR', message: 'x' } })
          : finishJob(fixture.db, job.id, {
              status: 'succeeded',
              kind: 'backup',
              result: result(`sum%2Fconcurrent/${n}`),
            }),
      ),
    );
    // Newest by when it ended, then by the order the jobs were recorded in (their index here).
    const byEnd = ended
      .map((job, n) => ({ job: job as Job, n }))
      .sort((a, b) => (b.job.finishedAt ?? '').localeCompare(a.job.finishedAt ?? '') || b.n - a.n)
      .map(({ job }) => job);
    const newest = byEnd[0] as Job;
    const newestSuccess = byEnd.find((job) => job.status === 'succeeded') as Job;
    const summary = await getFolderSummary(fixture.db, folder);
    expect(summary?.snapshotCount).toBe(7);
    expect(summary?.lastBackup?.id).toBe(newest.id);
    expect(summary?.latestSnapshot).toEqual(snapshotOf(newestSuccess));
    expect(summary?.lastSuccessAt).toBe(newestSuccess.finishedAt);
  });

  it('takes pruned snapshots out, once each even when pruned twice at once, and finds the newest left', async () => {
    const folder = 'sum/pruned';
    const jobs: Job[] = [];
    for (let n = 0; n < 4; n++) jobs.push(await succeed(fixture.db, folder, `sum%2Fpruned/${n}`));
    const [, , third, newest] = jobs as [Job, Job, Job, Job];
    const pruned = await Promise.all([
      markPruned(fixture.db, ['sum%2Fpruned/3', 'sum%2Fpruned/0']),
      markPruned(fixture.db, ['sum%2Fpruned/3', 'sum%2Fpruned/0']),
    ]);
    expect(pruned.sort()).toEqual([0, 2]);
    let summary = await getFolderSummary(fixture.db, folder);
    expect(summary?.snapshotCount).toBe(2);
    expect(summary?.latestSnapshot).toEqual(snapshotOf(third));
    // The newest backup and success stay what they were: retention deletes snapshots, not history.
    expect(summary?.lastBackup?.id).toBe(newest.id);
    expect(summary?.lastSuccessAt).toBe(newest.finishedAt);

    // A prune and a new backup of the folder at once: either order leaves the new backup newest.
    const [, fifth] = await Promise.all([
      markPruned(fixture.db, ['sum%2Fpruned/2']),
      succeed(fixture.db, folder, 'sum%2Fpruned/4'),
    ]);
    summary = await getFolderSummary(fixture.db, folder);
    expect(summary?.snapshotCount).toBe(2);
    expect(summary?.latestSnapshot).toEqual(snapshotOf(fifth));

    await markPruned(fixture.db, ['sum%2Fpruned/1', 'sum%2Fpruned/4']);
    summary = await getFolderSummary(fixture.db, folder);
    expect(summary?.snapshotCount).toBe(0);
    expect(summary?.latestSnapshot).toBeNull();
  });

  it('sums up the folders of a seeded history as the jobs themselves say', async () => {
    const db = await isolated();
    await succeed(db, 'seed/0', 'before-the-seed');
    expect(await seedHistory(db, { jobs: 60, folders: 2, days: 1 })).toBe(60);
    const { items: jobs, nextCursor } = await listJobs(db, { limit: 1000 });
    expect(nextCursor).toBeNull();
    expect(jobs).toHaveLength(61);
    for (const folder of ['seed/0', 'seed/1']) {
      const mine = jobs.filter((job) => job.folder === folder);
      const ended = mine
        .filter((job) => job.status === 'succeeded' || job.status === 'failed')
        .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
      const successes = ended.filter((job) => job.status === 'succeeded');
      const [last, latest] = [ended[0] as Job, successes[0] as Job];
      const added = (job: Job) => (job.result as BackupResult).copiedBytes;
      const { files, bytes } = latest.result as BackupResult;
      const summary = await getFolderSummary(db, folder);
      expect(summary).toEqual({
        folder,
        lastBackup: {
          id: last.id,
          status: last.status,
          finishedAt: last.finishedAt,
          errorCode: last.error?.code ?? null,
          addedBytes: last.status === 'succeeded' ? added(last) : null,
        },
        lastSuccessAt: latest.finishedAt,
        snapshotCount: successes.length,
        latestSnapshot: snapshotOf(latest, files, bytes),
        scheduleCount: 0,
        hasPolicy: false,
      });
    }
  });

  describe('when migration 0018 runs on recorded jobs', () => {
    let old: TestDatabase | undefined;
    let oldDb: Db | undefined;
    afterEach(async () => {
      await oldDb?.end();
      await old?.drop();
      oldDb = undefined;
      old = undefined;
    });

    it('starts from the jobs, schedules and policies recorded before it', async () => {
      old = await createTestDatabase();
      oldDb = await connectDatabase(old.url);
      await migrateBefore(oldDb, '0018-folder-summary');
      const [a1, a2, a3, a4, b1] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const ok = (snapshot: string, more = '') =>
        `{"snapshot":"${snapshot}","files":2,"bytes":20,"copiedFiles":1,"copiedBytes":10,"linkedFiles":1,"skipped":0,"warnings":[],"durationMs":1${more}}`;
      const rows = [
        [
          a1,
          'backup',
          'old/a',
          'succeeded',
          null,
          '2026-01-02 00:00:00.000',
          ok('s1'),
          's1',
          2,
          20,
          10,
          null,
        ],
        [
          a2,
          'backup',
          'old/a',
          'succeeded',
          null,
          '2026-01-03 00:00:00.000',
          ok('s2', ',"newBytes":7'),
          's2',
          2,
          20,
          10,
          null,
        ],
        [
          a3,
          'backup',
          'old/a',
          'succeeded',
          null,
          '2026-01-04 00:00:00.000',
          ok('s3'),
          's3',
          2,
          20,
          10,
          '2026-02-01',
        ],
        [
          a4,
          'backup',
          'old/a',
          'cancelled',
          'CANCELLED',
          '2026-01-05 00:00:00.000',
          null,
          null,
          0,
          0,
          null,
          null,
        ],
        [
          b1,
          'backup',
          'old/b',
          'failed',
          'NO_SPACE',
          '2026-01-06 00:00:00.000',
          null,
          null,
          0,
          0,
          null,
          null,
        ],
        [randomUUID(), 'restore', 'old/c', 'queued', null, null, null, null, 0, 0, null, null],
      ];
      await oldDb.query(
        `INSERT INTO backup_job (id, kind, folder, status, error_code, finished_at, result, snapshot,
           files_done, bytes_done, bytes_copied, pruned_at, created_at) VALUES ?`,
        [rows.map((row) => [...row, '2026-01-01'])],
      );
      await oldDb.query(
        `INSERT INTO schedule (id, folder, cron, tz, created_at, updated_at)
         VALUES (?, 'old/d', '0 3 * * *', 'UTC', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
        [randomUUID()],
      );
      await oldDb.query(
        `INSERT INTO folder_policy (folder_key, folder, policy, updated_at)
         VALUES (SHA2('old/a', 256), 'old/a', ?, UTC_TIMESTAMP(3))`,
        [JSON.stringify({ exclude: [], excludeIfPresent: [], maxFileSize: null, retention: null })],
      );
      expect(await migrate(oldDb)).toContain('0018-folder-summary');

      expect((await listFolders(oldDb, { limit: 10 })).items).toEqual([
        {
          folder: 'old/a',
          lastBackup: {
            id: a3,
            status: 'succeeded',
            finishedAt: '2026-01-04T00:00:00.000Z',
            errorCode: null,
            addedBytes: 10,
          },
          lastSuccessAt: '2026-01-04T00:00:00.000Z',
          snapshotCount: 2,
          latestSnapshot: {
            backupId: a2,
            snapshot: 's2',
            finishedAt: '2026-01-03T00:00:00.000Z',
            files: 2,
            bytes: 20,
          },
          scheduleCount: 0,
          hasPolicy: true,
        },
        {
          folder: 'old/b',
          lastBackup: {
            id: b1,
            status: 'failed',
            finishedAt: '2026-01-06T00:00:00.000Z',
            errorCode: 'NO_SPACE',
            addedBytes: null,
          },
          lastSuccessAt: null,
          snapshotCount: 0,
          latestSnapshot: null,
          scheduleCount: 0,
          hasPolicy: false,
        },
        {
          folder: 'old/c',
          lastBackup: null,
          lastSuccessAt: null,
          snapshotCount: 0,
          latestSnapshot: null,
          scheduleCount: 0,
          hasPolicy: false,
        },
        {
          folder: 'old/d',
          lastBackup: null,
          lastSuccessAt: null,
          snapshotCount: 0,
          latestSnapshot: null,
          scheduleCount: 1,
          hasPolicy: false,
        },
      ]);
    });
  });
});

let isolatedDb: { database: TestDatabase; db: Db }[] = [];
afterEach(async () => {
  for (const { database, db } of isolatedDb) {
    await db.end();
    await database.drop();
  }
  isolatedDb = [];
});

/** A database of its own for a test that reads whole lists. */
async function isolated(): Promise<Db> {
  const database = await createTestDatabase();
  const db = await connectDatabase(database.url);
  isolatedDb.push({ database, db });
  await migrate(db);
  return db;
}
