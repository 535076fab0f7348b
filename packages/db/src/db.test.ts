import { createTestDatabase, type TestDatabase } from '@strongbox/services/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectDatabase,
  type Db,
  finishJob,
  getJob,
  getStats,
  IdempotencyKeyReusedError,
  insertJob,
  insertLog,
  insertLogs,
  listActiveJobs,
  listJobs,
  listLogs,
  markPruned,
  migrate,
  startJob,
  updateProgress,
} from './index.js';
import { MIGRATION_LOCK_NAME_SQL } from './migrate.js';
import { migrateBefore } from './testing/migrate-before.js';

let database: TestDatabase;

function backupResult(snapshot: string) {
  return {
    snapshot,
    files: 2,
    bytes: 20,
    copiedFiles: 1,
    copiedBytes: 15,
    linkedFiles: 1,
    skipped: 0,
    warnings: [],
    durationMs: 12,
  };
}
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
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

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
        '0004-request-fingerprint',
        '0005-create-schedule',
        '0006-job-counts',
        '0010-log-date-milliseconds',
        '0011-folder-backups-and-failures',
        '0012-folder-lease',
        '0013-repository-catalog',
        '0014-folder-snapshots',
        '0015-folder-policy',
        '0016-repository-prune',
        '0017-webhooks',
        '0018-folder-summary',
        '0019-schedule-kind',
        '0020-exact-folders',
      ]);
      expect(await migrate(db)).toEqual([]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("waits for its own database's migrations only: another database's held lock does not stop it", async () => {
    const other = await createTestDatabase();
    cleanups.push(() => other.drop());
    const elsewhere = await createTestDatabase();
    cleanups.push(() => elsewhere.drop());
    const pool = async (url: string) => {
      const opened = await connectDatabase(url, { connectionLimit: 2 });
      cleanups.push(() => opened.end());
      return opened;
    };
    const holder = await pool(other.url);
    // The other database's migration lock, held as a process migrating it holds it.
    const [held] = await holder.query<RowDataPacket[]>(
      `SELECT GET_LOCK(${MIGRATION_LOCK_NAME_SQL}, 0) AS locked`,
    );
    expect(held[0]?.locked).toBe(1);
    expect(await migrate(await pool(elsewhere.url))).toContain('0020-exact-folders');

    // A process migrating the other database waits for that lock, and goes on once it is let go.
    const migrating = migrate(await pool(other.url));
    for (;;) {
      const [waiting] = await holder.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT GET_LOCK(%' AND DB = ?",
        [other.name],
      );
      if (Number(waiting[0]?.n) === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [named] = await holder.query<RowDataPacket[]>(`SELECT ${MIGRATION_LOCK_NAME_SQL} AS name`);
    expect(String(named[0]?.name)).toMatch(/^strongbox:migrate:[0-9a-f]{40}$/);
    await holder.query(`SELECT RELEASE_LOCK(${MIGRATION_LOCK_NAME_SQL})`);
    expect(await migrating).toContain('0020-exact-folders');
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

  it('keeps the instants of audit rows written before log dates had milliseconds', async () => {
    const old = await createTestDatabase();
    const oldDb = await connectDatabase(old.url);
    try {
      await migrateBefore(oldDb, '0010-log-date-milliseconds');
      await oldDb.query('INSERT INTO log (date, action, parameter, status) VALUES (?, ?, ?, ?)', [
        '2026-01-02 03:04:05',
        'Backup',
        'old/one',
        'SUCCESS',
      ]);

      expect(await migrate(oldDb)).toContain('0010-log-date-milliseconds');
      const [columns] = await oldDb.query<RowDataPacket[]>("SHOW COLUMNS FROM log WHERE Field = 'date'");
      expect(columns[0]?.Type).toBe('timestamp(3)');
      const page = await listLogs(oldDb, { limit: 10 });
      expect(page.items.map((row) => [row.parameter, row.date])).toEqual([
        ['old/one', '2026-01-02T03:04:05.000Z'],
      ]);
    } finally {
      await oldDb.end();
      await old.drop();
    }
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

  it('answers the same job for the same Idempotency-Key with the same request', async () => {
    const first = await insertJob(
      db,
      { kind: 'backup', folder: 'idem/1' },
      { key: 'key-1', route: 'POST /b' },
    );
    await startJob(db, first.job.id, 'host:1');
    const again = await insertJob(
      db,
      { kind: 'backup', folder: 'idem/1' },
      { key: 'key-1', route: 'POST /b' },
    );
    expect(again).toMatchObject({ created: false, job: { id: first.job.id } });
    const other = await insertJob(
      db,
      { kind: 'backup', folder: 'idem/1' },
      { key: 'key-2', route: 'POST /b' },
    );
    expect(other.created).toBe(true);
  });

  it('refuses the same Idempotency-Key with another folder, route or kind of job', async () => {
    const key = { key: 'bound-key', route: 'POST /b' };
    const first = await insertJob(db, { kind: 'backup', folder: 'bound/a' }, key);
    expect(first.created).toBe(true);
    const attempts = [
      () => insertJob(db, { kind: 'backup', folder: 'bound/b' }, key),
      () => insertJob(db, { kind: 'backup', folder: 'bound/a' }, { key: 'bound-key', route: 'POST /c' }),
      () =>
        insertJob(
          db,
          { kind: 'verify', folder: 'bound/a', params: { backupId: first.job.id } },
          { key: 'bound-key', route: 'POST /b' },
        ),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toThrow(IdempotencyKeyReusedError);
    }
    await expect(insertJob(db, { kind: 'backup', folder: 'bound/b' }, key)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: expect.stringContaining('different request'),
    });
    const [rows] = await db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM backup_job WHERE folder LIKE 'bound/%'",
    );
    expect(Number(rows[0]?.n)).toBe(1);
  });

  it('binds a key under a race: one request creates the job, a different one is refused', async () => {
    const key = { key: 'raced-key', route: 'POST /b' };
    const answers = await Promise.allSettled([
      insertJob(db, { kind: 'backup', folder: 'raced/a' }, key),
      insertJob(db, { kind: 'backup', folder: 'raced/b' }, key),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = answers.find((answer) => answer.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('answers a key recorded before requests had fingerprints as it did then', async () => {
    const first = await insertJob(
      db,
      { kind: 'backup', folder: 'legacy/a' },
      { key: 'old', route: 'POST /b' },
    );
    await db.query('UPDATE backup_job SET request_fingerprint = NULL WHERE id = ?', [first.job.id]);
    await startJob(db, first.job.id, 'host:1');
    const again = await insertJob(
      db,
      { kind: 'backup', folder: 'legacy/b' },
      { key: 'old', route: 'POST /b' },
    );
    expect(again).toMatchObject({ created: false, job: { id: first.job.id, folder: 'legacy/a' } });
  });

  it('frees an Idempotency-Key after 24 hours', async () => {
    const key = { key: 'old-key', route: 'POST /b' };
    const first = await insertJob(db, { kind: 'backup', folder: 'idem/old' }, key);
    await db.query('UPDATE backup_job SET created_at = created_at - INTERVAL 25 HOUR WHERE id = ?', [
      first.job.id,
    ]);
    await finishJob(db, first.job.id, { status: 'cancelled', error: { code: 'CANCELLED', message: 'x' } });
    const again = await insertJob(db, { kind: 'backup', folder: 'idem/other' }, key);
    expect(again.created).toBe(true);
  });

  it('refuses to record a job whose folder, target or path breaks the folder rule', async () => {
    const { job: backup } = await insertJob(db, { kind: 'backup', folder: 'rule/ok' });
    await expect(insertJob(db, { kind: 'backup', folder: '../x' })).rejects.toThrow(/"\.\." segments/);
    await expect(
      insertJob(db, {
        kind: 'restore',
        folder: 'rule/ok',
        params: { backupId: backup.id, target: 'x'.repeat(256) },
      }),
    ).rejects.toThrow(/The target must not have a segment longer than 255 bytes/);
    await expect(
      insertJob(db, {
        kind: 'restore',
        folder: 'rule/ok',
        params: { backupId: backup.id, target: 'fine', path: 'bad\ud800' },
      }),
    ).rejects.toThrow(/The path must be well-formed Unicode/);
    const [rows] = await db.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM backup_job WHERE folder = 'rule/ok'",
    );
    expect(Number(rows[0]?.n)).toBe(1);
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
      finishJob(db, job.id, { status: 'succeeded', kind: 'backup', result: backupResult('once/s') }),
      finishJob(db, job.id, { status: 'failed', error: { code: 'X', message: 'y' } }),
      finishJob(db, job.id, { status: 'failed', error: { code: 'X', message: 'y' } }),
    ]);
    expect(ends.filter((end) => end !== null)).toHaveLength(1);
    const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM log WHERE job_id = ?', [job.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'Backup', parameter: 'once' });
    expect(await startJob(db, job.id, 'host:3')).toBeNull();
  });

  it("dates a job's log row with its finishedAt, to the millisecond", async () => {
    const { job } = await insertJob(db, { kind: 'backup', folder: 'dated' });
    await startJob(db, job.id, 'host:1');
    const ended = await finishJob(db, job.id, { status: 'failed', error: { code: 'X', message: 'y' } });
    const [rows] = await db.query<RowDataPacket[]>(
      "SELECT DATE_FORMAT(date, '%Y-%m-%dT%H:%i:%s.%fZ') AS date FROM log WHERE job_id = ?",
      [job.id],
    );
    // %f has six digits; the column keeps three.
    expect(String(rows[0]?.date).replace(/(\.\d{3})000Z$/, '$1Z')).toBe(ended?.finishedAt);
  });

  it('stores a success in the shape of its kind, with final progress and the copied figures', async () => {
    const { job } = await insertJob(db, { kind: 'backup', folder: 'shape/b' });
    await startJob(db, job.id, 'host:1');
    const engineResult = { ...backupResult('shape/b/s1'), manifest: '/abs/path/to/manifest' };
    const ended = await finishJob(db, job.id, { status: 'succeeded', kind: 'backup', result: engineResult });
    expect(ended?.result).toEqual(backupResult('shape/b/s1'));
    expect(ended?.progress).toEqual({ filesDone: 2, filesTotal: 2, bytesDone: 20, bytesTotal: 20 });
    const [rows] = await db.query<RowDataPacket[]>(
      'SELECT result, snapshot, files_copied, bytes_copied FROM backup_job WHERE id = ?',
      [job.id],
    );
    expect(rows[0]).toEqual({
      result: JSON.stringify(backupResult('shape/b/s1')),
      snapshot: 'shape/b/s1',
      files_copied: 1,
      bytes_copied: 15,
    });

    const { job: verify } = await insertJob(db, {
      kind: 'verify',
      folder: 'shape/b',
      params: { backupId: job.id },
    });
    await startJob(db, verify.id, 'host:1');
    const verified = await finishJob(db, verify.id, {
      status: 'succeeded',
      kind: 'verify',
      result: { snapshot: 'shape/b/s1', files: 2, bytes: 20, durationMs: 3 },
    });
    expect(verified).toMatchObject({
      kind: 'verify',
      params: { backupId: job.id },
      result: { snapshot: 'shape/b/s1', files: 2, bytes: 20, durationMs: 3 },
    });
    const [verifyRows] = await db.query<RowDataPacket[]>(
      'SELECT snapshot, files_copied FROM backup_job WHERE id = ?',
      [verify.id],
    );
    expect(verifyRows[0]).toEqual({ snapshot: null, files_copied: null });
  });

  it('will not read back a row whose result does not have the shape of its kind', async () => {
    const { job } = await insertJob(db, { kind: 'backup', folder: 'shape/broken' });
    await db.query(`UPDATE backup_job SET status = 'succeeded', result = '{"files": 1}' WHERE id = ?`, [
      job.id,
    ]);
    await expect(getJob(db, job.id)).rejects.toThrow(/snapshot/);
    // Written by hand, past the counters that the package keeps: put the row back as it was.
    await db.query(`UPDATE backup_job SET status = 'queued', result = NULL WHERE id = ?`, [job.id]);
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
    await finishJob(db, job.id, { status: 'succeeded', kind: 'backup', result: backupResult('prune/s1') });
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

  it('keeps milliseconds in audit dates, and orders and pages rows of one second by them', async () => {
    const at = (ms: string) => new Date(`1998-06-01T10:00:00.${ms}Z`);
    await insertLogs(db, [
      { date: at('900'), action: 'Verify', parameter: 'late', status: 'SUCCESS' },
      { date: at('100'), action: 'Verify', parameter: 'early', status: 'SUCCESS' },
      { date: at('500'), action: 'Verify', parameter: 'middle', status: 'SUCCESS' },
    ]);
    const day = { from: new Date('1998-06-01T00:00:00Z'), before: new Date('1998-06-02T00:00:00Z') };
    const first = await listLogs(db, { ...day, limit: 2 });
    expect(first.items.map((row) => [row.parameter, row.date])).toEqual([
      ['early', '1998-06-01T10:00:00.100Z'],
      ['middle', '1998-06-01T10:00:00.500Z'],
    ]);
    const rest = await listLogs(db, { ...day, limit: 2, cursor: first.nextCursor! });
    expect(rest.items.map((row) => [row.parameter, row.date])).toEqual([
      ['late', '1998-06-01T10:00:00.900Z'],
    ]);
    const within = await listLogs(db, { from: at('100'), before: at('500'), limit: 10 });
    expect(within.items.map((row) => row.parameter)).toEqual(['early']);
  });

  it('drops a bound the date column cannot hold instead of answering nothing', async () => {
    const insert = 'INSERT INTO log (date, action, parameter, status) VALUES (?, ?, ?, ?)';
    await db.query(insert, ['1970-01-01 00:00:01', 'Edge', 'first', 'SUCCESS']);
    await db.query(insert, ['2038-01-19 03:14:07', 'Edge', 'last', 'SUCCESS']);
    const edge = async (bounds: { from?: Date; before?: Date }) =>
      (await listLogs(db, { ...bounds, action: 'Edge', limit: 10 })).items.map((row) => row.parameter);
    expect(await edge({ before: new Date('10000-01-01T00:00:00Z') })).toEqual(['first', 'last']);
    expect(await edge({ from: new Date('0001-01-01T00:00:00Z') })).toEqual(['first', 'last']);
    expect(
      await edge({ from: new Date('1900-01-01T00:00:00Z'), before: new Date('9000-01-01T00:00:00Z') }),
    ).toEqual(['first', 'last']);
    expect(await edge({ before: new Date('2038-01-19T03:14:07Z') })).toEqual(['first']);
    expect(await edge({ from: new Date('1970-01-01T00:00:02Z') })).toEqual(['last']);
    expect(await edge({ from: new Date('2038-01-19T03:14:08Z') })).toEqual([]);
    expect(await edge({ before: new Date('1970-01-01T00:00:01Z') })).toEqual([]);
    await db.query(insert, ['2038-01-19 03:14:07.999', 'Edge', 'latest', 'SUCCESS']);
    expect(await edge({ before: new Date('2038-01-19T03:14:07.999Z') })).toEqual(['first', 'last']);
    expect(await edge({ from: new Date('2038-01-19T03:14:07.500Z') })).toEqual(['latest']);
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
