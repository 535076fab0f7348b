import { createTestDatabase, type TestDatabase } from '@strongbox/services/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Db, getJob, insertJobs, migrate } from '../index.js';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await connectDatabase(database.url, { connectionLimit: 4 });
  await migrate(db);
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

/** `target` whose query() and execute() note the first words of each statement in `sent`. */
function noting<T extends object>(target: T, sent: string[], onSend?: (sql: string) => void): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (property === 'query' || property === 'execute') {
        return (sql: string, ...rest: unknown[]) => {
          const words = sql.trim().split(/\s+/).slice(0, 3).join(' ');
          sent.push(words);
          onSend?.(words);
          return (value as (...a: unknown[]) => unknown).call(object, sql, ...rest);
        };
      }
      if (property === 'getConnection') {
        return async () => noting(await (value as () => Promise<object>).call(object), sent, onSend);
      }
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

async function queuedBackups(): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT SUM(jobs) AS n FROM job_count WHERE kind = 'backup' AND status = 'queued'",
  );
  return Number(rows[0]?.n ?? 0);
}

async function jobsOf(prefix: string): Promise<number> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM backup_job WHERE folder LIKE ?', [
    `${prefix}%`,
  ]);
  return Number(rows[0]?.n);
}

async function summarised(prefix: string): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT CONVERT(folder USING utf8mb4) AS folder FROM folder_summary WHERE folder LIKE ? ORDER BY folder`,
    [`${prefix}%`],
  );
  return rows.map((row) => row.folder);
}

describe('insertJobs', () => {
  it('records a batch of new jobs in one round trip to MySQL, each counted once and each folder noted', async () => {
    const before = await queuedBackups();
    const sent: string[] = [];
    const outcomes = await insertJobs(
      noting(db, sent),
      ['batch/c', 'batch/a', 'batch/b'].map((folder) => ({ input: { kind: 'backup', folder } })),
    );
    expect(sent).toEqual(['START TRANSACTION; INSERT']);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const jobs = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null));
    expect(jobs.map((inserted) => [inserted?.job.folder, inserted?.created])).toEqual([
      ['batch/c', true],
      ['batch/a', true],
      ['batch/b', true],
    ]);
    for (const inserted of jobs) expect(await getJob(db, inserted?.job.id ?? '')).toEqual(inserted?.job);
    expect((await queuedBackups()) - before).toBe(3);
    expect(await summarised('batch/')).toEqual(['batch/a', 'batch/b', 'batch/c']);
  });

  it('refuses a request the contract refuses alone, and records the others of its batch', async () => {
    const outcomes = await insertJobs(db, [
      { input: { kind: 'backup', folder: 'alone/good' } },
      { input: { kind: 'backup', folder: '../alone' } },
      { input: { kind: 'backup', folder: 'alone/fine' } },
    ]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { created: true } });
    expect(outcomes[1]).toEqual({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringMatching(/^Refusing to record the job:\n/) }),
    });
    expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { created: true } });
    expect(await jobsOf('alone/')).toBe(2);
    expect(await jobsOf('../alone')).toBe(0);
  });

  it('tries a whole batch again after a lock conflict, after its rows were inserted, and records and counts each job once', async () => {
    // A pool whose connections give up a lock wait after 1 s; a transaction of the test holds the
    // backup counts, so the batch's first attempt inserts its rows and then times out on the
    // counts (ER_LOCK_WAIT_TIMEOUT ends the statement only: its rows stay until the rollback). The
    // counts are let go when the second attempt is sent.
    const slow = await connectDatabase(database.url, { connectionLimit: 2 });
    slow.on('connection', (connection) => {
      connection.query('SET SESSION innodb_lock_wait_timeout = 1');
    });
    const blocker = await db.getConnection();
    try {
      await blocker.query('START TRANSACTION');
      await blocker.query("SELECT jobs FROM job_count WHERE kind = 'backup' FOR UPDATE");
      const before = await queuedBackups();
      const sent: string[] = [];
      let attempts = 0;
      const released: Promise<unknown>[] = [];
      const outcomes = await insertJobs(
        noting(slow, sent, (words) => {
          if (words === 'START TRANSACTION; INSERT' && ++attempts === 2)
            released.push(blocker.query('COMMIT'));
        }),
        [
          {
            input: { kind: 'backup', folder: 'retry/a' },
            idempotency: { key: 'retry-1', route: 'POST /backups' },
          },
          { input: { kind: 'backup', folder: 'retry/b' } },
          {
            input: { kind: 'backup', folder: 'retry/a' },
            idempotency: { key: 'retry-1', route: 'POST /backups' },
          },
        ],
      );
      await Promise.all(released);
      expect(sent.slice(0, 3)).toEqual([
        'START TRANSACTION; INSERT',
        'ROLLBACK',
        'START TRANSACTION; INSERT',
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      const [a, b, again] = outcomes.map((outcome) =>
        outcome.status === 'fulfilled' ? outcome.value : null,
      );
      expect([a?.created, b?.created, again?.created]).toEqual([true, true, false]);
      expect(again?.job).toEqual(a?.job);
      expect(await jobsOf('retry/')).toBe(2);
      expect((await queuedBackups()) - before).toBe(2);
      expect(await summarised('retry/')).toEqual(['retry/a', 'retry/b']);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
      await slow.end();
    }
  });
});
