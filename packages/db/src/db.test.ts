import { createTestDatabase, type TestDatabase } from '@strongbox/services/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectDatabase,
  type Db,
  finishJob,
  getJob,
  getStats,
  insertJob,
  insertLog,
  listActiveJobs,
  listJobs,
  listLogs,
  markPruned,
  migrate,
  startJob,
  updateProgress,
} from './index.js';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await connectDatabase(database.url);
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

describe('migrate', () => {
  it('applies every migration once even when several processes start at once', async () => {
    const pools = await Promise.all(
      [1, 2, 3].map(() => connectDatabase(database.url, { connectionLimit: 2 })),
    );
    try {
      const applied = await Promise.all(pools.map((pool) => migrate(pool)));
      expect(applied.flat().sort()).toEqual([
        '0001-create-log',
        '0002-log-job-and-message',
        '0003-create-backup-job',
      ]);
      expect(await migrate(db)).toEqual([]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('keeps the original log table columns', async () => {
    const [rows] = await db.query<RowDataPacket[]>('SHOW COLUMNS FROM log');
    expect(rows.map((row) => row.Field)).toEqual([
      'id',
      'date',
      'action',
      'parameter',
      'status',
      'job_id',
      'message',
    ]);
  });

  it('creates the database when it does not exist', async () => {
    const url = new URL(database.url);
    url.pathname = `/${database.name}_created`;
    const fresh = await connectDatabase(url.toString());
    try {
      const [rows] = await fresh.query<RowDataPacket[]>('SELECT DATABASE() AS name');
      expect(rows[0]?.name).toBe(`${database.name}_created`);
    } finally {
      await fresh.query(`DROP DATABASE \`${database.name}_created\``);
      await fresh.end();
    }
  });
});

describe('jobs', () => {
  it('records a queued job with the contract fields', async () => {
    const { job, created } = await insertJob(db, { kind: 'backup', folder: 'jobs/a' });
    expect(created).toBe(true);
    expect(job).toMatchObject({
      kind: 'backup',
      folder: 'jobs/a',
      scheduleId: null,
      status: 'queued',
      attempts: 0,
      worker: null,
      startedAt: null,
      finishedAt: null,
      progress: { filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null },
      result: null,
      error: null,
    });
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('answers the queued job for a folder instead of a second one, even under a race', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => insertJob(db, { kind: 'backup', folder: 'race' })),
    );
    expect(new Set(answers.map((a) => a.job.id)).size).toBe(1);
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    // Once it runs, a new request queues a new backup.
    const id = answers[0]!.job.id;
    await startJob(db, id, 'host:1');
    const next = await insertJob(db, { kind: 'backup', folder: 'race' });
    expect(next.created).toBe(true);
    expect(next.job.id).not.toBe(id);
  });

  it('answers the same job for the same Idempotency-Key', async () => {
    const first = await insertJob(db, { kind: 'backup', folder: 'idem/1', idempotencyKey: 'key-1' });
    await startJob(db, first.job.id, 'host:1');
    const again = await insertJob(db, { kind: 'backup', folder: 'idem/1', idempotencyKey: 'key-1' });
    expect(again).toMatchObject({ created: false, job: { id: first.job.id } });
    const other = await insertJob(db, { kind: 'backup', folder: 'idem/1', idempotencyKey: 'key-2' });
    expect(other.created).toBe(true);
  });

  it('frees an Idempotency-Key after 24 hours', async () => {
    const first = await insertJob(db, { kind: 'backup', folder: 'idem/old', idempotencyKey: 'old-key' });
    await db.query('UPDATE backup_job SET created_at = created_at - INTERVAL 25 HOUR WHERE id = ?', [
      first.job.id,
    ]);
    await finishJob(db, first.job.id, { status: 'cancelled', error: { code: 'CANCELLED', message: 'x' } });
    const again = await insertJob(db, { kind: 'backup', folder: 'idem/old', idempotencyKey: 'old-key' });
    expect(again.created).toBe(true);
  });

  it('ends a job once, with one log row, whoever tries to end it', async () => {
    const { job } = await insertJob(db, { kind: 'backup', folder: 'once' });
    const running = await startJob(db, job.id, 'host:2');
    expect(running).toMatchObject({ status: 'running', attempts: 1, worker: 'host:2' });
    await updateProgress(db, job.id, { filesDone: 1, filesTotal: 2, bytesDone: 10, bytesTotal: 20 });
    expect((await getJob(db, job.id))?.progress).toEqual({
      filesDone: 1,
      filesTotal: 2,
      bytesDone: 10,
      bytesTotal: 20,
    });
    const ends = await Promise.all([
      finishJob(db, job.id, {
        status: 'succeeded',
        result: { files: 2 },
        snapshot: 'once/s',
        bytesCopied: 20,
      }),
      finishJob(db, job.id, { status: 'failed', error: { code: 'X', message: 'y' } }),
      finishJob(db, job.id, { status: 'failed', error: { code: 'X', message: 'y' } }),
    ]);
    expect(ends.filter((end) => end !== null)).toHaveLength(1);
    const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM log WHERE job_id = ?', [job.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'Backup', parameter: 'once' });
    expect(await startJob(db, job.id, 'host:3')).toBeNull();
  });

  it('cancels only a queued job', async () => {
    const { job } = await insertJob(db, { kind: 'backup', folder: 'cancel/me' });
    const cancelled = await finishJob(db, job.id, {
      status: 'cancelled',
      error: { code: 'CANCELLED', message: 'by request' },
    });
    expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM log WHERE job_id = ?', [job.id]);
    expect(rows[0]).toMatchObject({ action: 'Backup', status: 'FAILED' });
    const { job: other } = await insertJob(db, { kind: 'backup', folder: 'cancel/late' });
    await startJob(db, other.id, 'host:1');
    expect(
      await finishJob(db, other.id, { status: 'cancelled', error: { code: 'CANCELLED', message: '' } }),
    ).toBeNull();
  });

  it('pages through jobs newest first with filters', async () => {
    for (let i = 0; i < 5; i++) await insertJob(db, { kind: 'backup', folder: `page/${i}` });
    const first = await listJobs(db, { limit: 2, status: 'queued' });
    expect(first.items).toHaveLength(2);
    expect(first.items[0]?.folder).toBe('page/4');
    const second = await listJobs(db, { limit: 2, status: 'queued', cursor: first.nextCursor! });
    expect(second.items.map((j) => j.folder)).toEqual(['page/2', 'page/1']);
    expect((await listJobs(db, { limit: 10, folder: 'page/3' })).items).toHaveLength(1);
    await expect(listJobs(db, { limit: 2, cursor: 'bogus' })).rejects.toThrow(/cursor/);
  });

  it('lists active jobs older than a grace period for the reconciler', async () => {
    const { job } = await insertJob(db, { kind: 'backup', folder: 'active/old' });
    expect((await listActiveJobs(db, 60)).map((j) => j.id)).not.toContain(job.id);
    await db.query('UPDATE backup_job SET created_at = created_at - INTERVAL 2 MINUTE WHERE id = ?', [
      job.id,
    ]);
    expect((await listActiveJobs(db, 60)).map((j) => j.id)).toContain(job.id);
  });

  it('marks the jobs of pruned snapshots', async () => {
    const { job } = await insertJob(db, { kind: 'backup', folder: 'prune' });
    await startJob(db, job.id, 'h:1');
    await finishJob(db, job.id, {
      status: 'succeeded',
      result: { snapshot: 'prune/s1' },
      snapshot: 'prune/s1',
    });
    expect(await markPruned(db, ['prune/s1', 'prune/other'])).toBe(1);
    expect((await getJob(db, job.id))?.prunedAt).toMatch(/Z$/);
  });
});

describe('logs and stats', () => {
  it('filters by date, action and status, and pages in date order', async () => {
    const insert = 'INSERT INTO log (date, action, parameter, status) VALUES (?, ?, ?, ?)';
    await db.query(insert, ['1999-01-02 10:00:00', 'Backup', 'l/2', 'SUCCESS']);
    await db.query(insert, ['1999-01-01 10:00:00', 'Backup', 'l/1', 'FAILED']);
    await db.query(insert, ['1999-01-03 10:00:00', 'Get Log', null, 'SUCCESS']);
    const all = await listLogs(db, {
      from: new Date('1999-01-01T00:00:00Z'),
      before: new Date('1999-01-04T00:00:00Z'),
      limit: 2,
    });
    expect(all.items.map((row) => row.parameter)).toEqual(['l/1', 'l/2']);
    expect(all.items[0]?.date).toBe('1999-01-01T10:00:00.000Z');
    const rest = await listLogs(db, {
      from: new Date('1999-01-01T00:00:00Z'),
      before: new Date('1999-01-04T00:00:00Z'),
      limit: 2,
      cursor: all.nextCursor!,
    });
    expect(rest.items.map((row) => row.action)).toEqual(['Get Log']);
    expect(rest.nextCursor).toBeNull();
    const failed = await listLogs(db, {
      status: 'FAILED',
      action: 'Backup',
      before: new Date('2000-01-01'),
      limit: 10,
    });
    expect(failed.items.map((row) => row.parameter)).toEqual(['l/1']);
    const id = await insertLog(db, { action: 'Get Stats', parameter: null, status: 'SUCCESS' });
    expect(id).toBeGreaterThan(0);
  });

  it('counts backups by status and sums what was copied', async () => {
    const stats = await getStats(db);
    const [rows] = await db.query<RowDataPacket[]>(
      "SELECT status, COUNT(*) AS n FROM backup_job WHERE kind = 'backup' GROUP BY status",
    );
    const byStatus: Record<string, number> = Object.fromEntries(
      rows.map((row) => [row.status, Number(row.n)]),
    );
    expect(stats.backups).toEqual({
      total: Object.values(byStatus).reduce((a, b) => a + b, 0),
      succeeded: byStatus.succeeded ?? 0,
      failed: byStatus.failed ?? 0,
      queued: byStatus.queued ?? 0,
      running: byStatus.running ?? 0,
      cancelled: byStatus.cancelled ?? 0,
    });
    const [[sums]] = (await db.query(
      "SELECT SUM(bytes_copied) AS bytes, MAX(finished_at) AS last FROM backup_job WHERE status = 'succeeded'",
    )) as unknown as [[{ bytes: string | null; last: Date }]];
    expect(stats.bytesCopied).toBe(Number(sums.bytes ?? 0));
    expect(stats.lastSuccessAt).toBe(sums.last.toISOString());
  });
});
