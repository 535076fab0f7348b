import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@strongbox/services/testing';
import { describe, expect, it } from 'vitest';
import {
  connectDatabase,
  failureCounts,
  finishJob,
  insertJob,
  listFolderBackups,
  migrate,
  startJob,
} from '../index.js';
import { backupSuccess } from '../testing/backup-success.js';
import { migrateBefore } from '../testing/migrate-before.js';
import { useMigratedDatabase } from '../testing/migrated-database.js';

const fixture = useMigratedDatabase();

const failure = (code: string) => ({ status: 'failed' as const, error: { code, message: `${code}: test` } });

/** Runs a backup of `folder` to the given end, as a worker does; answers when it ended. */
async function backup(folder: string, end: Parameters<typeof finishJob>[2]): Promise<Date> {
  const { job } = await insertJob(fixture.db, { kind: 'backup', folder });
  await startJob(fixture.db, job.id, 'test:1');
  const ended = await finishJob(fixture.db, job.id, end);
  return new Date(ended?.finishedAt ?? '');
}

describe('per-folder backup times and failures by code (migration 0011)', () => {
  it('keeps the newest success and the newest failure of each folder, and counts failures by kind and code', async () => {
    const firstSuccess = await backup('f/a', backupSuccess('f/a/1'));
    expect(firstSuccess.getTime()).toBeGreaterThan(0);
    const failedAt = await backup('f/a', failure('NO_SPACE'));
    const lastSuccess = await backup('f/a', backupSuccess('f/a/2'));
    const neverOk = await backup('f/b', failure('NO_SUCH_DIRECTORY'));
    const cancelled = await insertJob(fixture.db, { kind: 'backup', folder: 'f/c' });
    await finishJob(fixture.db, cancelled.job.id, {
      status: 'cancelled',
      error: { code: 'CANCELLED', message: 'x' },
    });
    const verify = await insertJob(fixture.db, {
      kind: 'verify',
      folder: 'f/a',
      params: { backupId: randomUUID() },
    });
    await startJob(fixture.db, verify.job.id, 'test:1');
    await finishJob(fixture.db, verify.job.id, failure('SNAPSHOT_CORRUPT'));

    expect(await listFolderBackups(fixture.db, 10)).toEqual({
      folders: [
        { folder: 'f/b', lastSuccessAt: null, lastFailureAt: neverOk },
        { folder: 'f/a', lastSuccessAt: lastSuccess, lastFailureAt: failedAt },
      ],
      omitted: 0,
    });
    expect(await failureCounts(fixture.db)).toEqual([
      { kind: 'backup', code: 'NO_SPACE', failures: 1 },
      { kind: 'backup', code: 'NO_SUCH_DIRECTORY', failures: 1 },
      { kind: 'verify', code: 'SNAPSHOT_CORRUPT', failures: 1 },
    ]);
  });

  it('lists at most the limit, the folders whose newest success is oldest first, and counts the rest', async () => {
    await backup('f/d', backupSuccess('f/d/1'));
    await backup('f/e', backupSuccess('f/e/1'));
    const page = await listFolderBackups(fixture.db, 2);
    expect(page.folders.map((row) => row.folder)).toEqual(['f/b', 'f/a']);
    expect(page.omitted).toBe(2);
    expect((await listFolderBackups(fixture.db, 4)).omitted).toBe(0);
  });

  it('starts, when migration 0011 runs, from the jobs recorded before it', async () => {
    const old = await createTestDatabase();
    const oldDb = await connectDatabase(old.url);
    try {
      await migrateBefore(oldDb, '0011-folder-backups-and-failures');
      const rows = [
        ['backup', 'old/a', 'succeeded', null, '2026-01-02 03:04:05.678'],
        ['backup', 'old/a', 'succeeded', null, '2026-02-02 03:04:05.000'],
        ['backup', 'old/a', 'failed', 'NO_SPACE', '2026-01-15 00:00:00.000'],
        ['backup', 'old/b', 'failed', null, '2026-03-01 00:00:00.000'],
        ['backup', 'old/c', 'cancelled', 'CANCELLED', '2026-03-02 00:00:00.000'],
        ['backup', 'old/d', 'queued', null, null],
        ['restore', 'old/a', 'failed', 'TARGET_EXISTS', '2026-03-03 00:00:00.000'],
      ];
      await oldDb.query(
        'INSERT INTO backup_job (id, kind, folder, status, error_code, finished_at, created_at) VALUES ?',
        [rows.map((row) => [randomUUID(), ...row, '2026-01-01'])],
      );

      expect(await migrate(oldDb)).toContain('0011-folder-backups-and-failures');
      expect(await listFolderBackups(oldDb, 10)).toEqual({
        folders: [
          { folder: 'old/b', lastSuccessAt: null, lastFailureAt: new Date('2026-03-01T00:00:00.000Z') },
          {
            folder: 'old/a',
            lastSuccessAt: new Date('2026-02-02T03:04:05.000Z'),
            lastFailureAt: new Date('2026-01-15T00:00:00.000Z'),
          },
        ],
        omitted: 0,
      });
      expect(await failureCounts(oldDb)).toEqual([
        { kind: 'backup', code: 'INTERNAL', failures: 1 },
        { kind: 'backup', code: 'NO_SPACE', failures: 1 },
        { kind: 'restore', code: 'TARGET_EXISTS', failures: 1 },
      ]);
    } finally {
      await oldDb.end();
      await old.drop();
    }
  });
});
