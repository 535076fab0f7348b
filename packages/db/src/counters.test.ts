import { randomUUID } from 'node:crypto';
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
  migrate,
  startJob,
} from './index.js';
import { migrateBefore } from './testing/migrate-before.js';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await connectDatabase(database.url, { connectionLimit: 8 });
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

function result(n: number) {
  return {
    snapshot: `count%2F${n}/s`,
    files: 3,
    bytes: 300,
    copiedFiles: 2,
    copiedBytes: 100 + n,
    linkedFiles: 1,
    skipped: 0,
    warnings: [],
    durationMs: 5,
  };
}

// The totals computed straight from the jobs, independently of the counters.
async function countedFromJobs() {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT status, COUNT(*) AS n, SUM(bytes_copied) AS bytes, SUM(files_copied) AS files,
       MAX(CASE WHEN status = 'succeeded' THEN finished_at END) AS last
     FROM backup_job WHERE kind = 'backup' GROUP BY status`,
  );
  const n = (status: string) => Number(rows.find((row) => row.status === status)?.n ?? 0);
  const last = rows.find((row) => row.status === 'succeeded')?.last as Date | undefined;
  return {
    backups: {
      total: rows.reduce((sum, row) => sum + Number(row.n), 0),
      succeeded: n('succeeded'),
      failed: n('failed'),
      queued: n('queued'),
      running: n('running'),
      cancelled: n('cancelled'),
    },
    bytesCopied: rows.reduce((sum, row) => sum + Number(row.bytes ?? 0), 0),
    filesCopied: rows.reduce((sum, row) => sum + Number(row.files ?? 0), 0),
    lastSuccessAt: last ? last.toISOString() : null,
  };
}

describe('job counters', () => {
  it('keep the totals of /stats equal to counting the jobs after many transitions, racing ones included', async () => {
    await migrate(db);
    const ids: string[] = [];
    // 120 backups recorded at once, plus 10 verify jobs (not backups: never in the totals).
    const recorded = await Promise.all(
      Array.from({ length: 120 }, (_, i) => insertJob(db, { kind: 'backup', folder: `count/${i}` })),
    );
    ids.push(...recorded.map(({ job }) => job.id));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        insertJob(db, { kind: 'verify', folder: `count/${i}`, params: { backupId: randomUUID() } }),
      ),
    );

    // 0–79 start, twice at once (a retry racing the first attempt); 80–99 stay queued; 100–119 are
    // cancelled, each by two requests at once.
    await Promise.all(ids.slice(0, 80).flatMap((id) => [startJob(db, id, 'a:1'), startJob(db, id, 'b:2')]));
    const cancels = await Promise.all(
      ids
        .slice(100)
        .flatMap((id) =>
          [1, 2].map(() =>
            finishJob(db, id, { status: 'cancelled', error: { code: 'CANCELLED', message: 'by test' } }),
          ),
        ),
    );
    expect(cancels.filter((job) => job !== null)).toHaveLength(20);
    // 0–49 succeed, each ended by two workers at once; 50–69 fail; 70–79 keep running.
    const ends = await Promise.all([
      ...ids
        .slice(0, 50)
        .flatMap((id, i) =>
          [1, 2].map(() => finishJob(db, id, { status: 'succeeded', kind: 'backup', result: result(i) })),
        ),
      ...ids
        .slice(50, 70)
        .map((id) => finishJob(db, id, { status: 'failed', error: { code: 'IO_ERROR', message: 'disk' } })),
    ]);
    expect(ends.filter((job) => job !== null)).toHaveLength(70);

    const stats = await getStats(db);
    expect(stats.backups).toEqual({
      total: 120,
      succeeded: 50,
      failed: 20,
      queued: 20,
      running: 10,
      cancelled: 20,
    });
    // copiedBytes 100 + i for i in 0..49; copiedFiles 2 each.
    expect(stats.bytesCopied).toBe(50 * 100 + (49 * 50) / 2);
    expect(stats.filesCopied).toBe(100);
    expect(stats).toEqual(await countedFromJobs());
    const [counts] = await db.query<RowDataPacket[]>(
      "SELECT SUM(jobs) AS n FROM job_count WHERE kind = 'verify' AND status = 'queued'",
    );
    expect(Number(counts[0]?.n)).toBe(10);
  });

  it('records a new job in one round trip to MySQL, and looks for the holder of a key only when it is taken', async () => {
    await migrate(db);
    const sent: string[] = [];
    const note = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(object, property, receiver) {
          const value = Reflect.get(object, property, receiver);
          if (property === 'query' || property === 'execute') {
            return (sql: string, ...rest: unknown[]) => {
              sent.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
              return (value as (...a: unknown[]) => unknown).call(object, sql, ...rest);
            };
          }
          if (property === 'getConnection') {
            return async () => note(await (value as () => Promise<object>).call(object));
          }
          return typeof value === 'function' ? value.bind(object) : value;
        },
      });
    const noting = note(db);
    const first = await insertJob(noting, { kind: 'backup', folder: 'trip/one' });
    expect(first.created).toBe(true);
    expect(sent).toEqual(['START TRANSACTION; INSERT']);
    expect(await getJob(db, first.job.id)).toEqual(first.job);

    sent.length = 0;
    const again = await insertJob(noting, { kind: 'backup', folder: 'trip/one' });
    expect(again).toEqual({ job: first.job, created: false });
    expect(sent).toEqual(['START TRANSACTION; INSERT', 'ROLLBACK', 'SELECT id FROM', 'SELECT seq, id,']);
  });

  it('start, when migration 0006 runs, from the jobs recorded before it', async () => {
    const old = await createTestDatabase();
    const oldDb = await connectDatabase(old.url);
    try {
      // The schema as it was before 0006, with jobs written by the code of that time.
      await migrateBefore(oldDb, '0006-job-counts');
      const rows = [
        ['backup', 'succeeded', 4, 400, '2026-01-02 03:04:05.678'],
        ['backup', 'succeeded', 6, 600, '2026-03-04 05:06:07.890'],
        ['backup', 'failed', null, null, '2026-03-05 00:00:00'],
        ['backup', 'queued', null, null, null],
        ['backup', 'running', null, null, null],
        ['verify', 'succeeded', null, null, '2026-05-05 00:00:00'],
      ];
      await oldDb.query(
        `INSERT INTO backup_job (id, kind, folder, status, files_copied, bytes_copied, finished_at, created_at)
         VALUES ?`,
        [
          rows.map((row, i) => [
            randomUUID(),
            row[0],
            `old/${i}`,
            row[1],
            row[2],
            row[3],
            row[4],
            '2026-01-01',
          ]),
        ],
      );

      expect(await migrate(oldDb)).toContain('0006-job-counts');
      expect(await getStats(oldDb)).toEqual({
        backups: { total: 5, succeeded: 2, failed: 1, queued: 1, running: 1, cancelled: 0 },
        bytesCopied: 1000,
        filesCopied: 10,
        lastSuccessAt: '2026-03-04T05:06:07.890Z',
      });
    } finally {
      await oldDb.end();
      await old.drop();
    }
  });
});
