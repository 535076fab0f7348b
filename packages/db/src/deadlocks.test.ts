import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '@strongbox/services/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectDatabase,
  DatabaseBusyError,
  type Db,
  type DbConnection,
  deleteSchedule,
  finishJob,
  type InsertedJob,
  insertJob,
  insertLog,
  insertLogs,
  insertSchedule,
  inTransaction,
  markPruned,
  migrate,
  parseDatabaseUrl,
  setSchedulePaused,
  startJob,
  TRANSACTION_ATTEMPTS,
  updateProgress,
} from './index.js';
import { queuedKeyOf } from './jobs/insert-job.js';

let database: TestDatabase;
let db: Db;
let name: string;
// Connections a test holds a transaction open on; rolled back and released after each test.
const held: DbConnection[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  name = parseDatabaseUrl(database.url).database;
  db = await connectDatabase(database.url, { connectionLimit: 24 });
  await migrate(db);
});

afterEach(async () => {
  for (const connection of held.splice(0)) {
    await connection.query('ROLLBACK').catch(() => undefined);
    connection.release();
  }
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

/** A connection of the pool with a transaction open on it, released after the test. */
async function hold(begin = 'START TRANSACTION'): Promise<DbConnection> {
  const connection = await db.getConnection();
  held.push(connection);
  await connection.query(begin);
  return connection;
}

/**
 * Resolves once exactly `n` transactions of this test's database wait for a lock, as the server
 * reports them. The server refreshes what INNODB_TRX shows only when nobody read it for 100 ms, so
 * it is asked every 200 ms.
 */
async function lockWaits(n: number): Promise<void> {
  for (;;) {
    const [rows] = await db.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t
       JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
       WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ?`,
      [name],
    );
    if (Number(rows[0]?.n) === n) return;
    await sleep(200);
  }
}

/** What a promise came to: its value, or the code of its error. */
function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

function backupResult(snapshot: string, copiedBytes = 10) {
  return {
    snapshot,
    files: 2,
    bytes: 20,
    copiedFiles: 1,
    copiedBytes,
    linkedFiles: 1,
    skipped: 0,
    warnings: [],
    durationMs: 3,
  };
}

describe('a deadlock between the API and a worker', () => {
  // The deadlock of issue 16: a worker's start-job update clears the queued backup's `queued_key`
  // (an exclusive lock on that entry of the unique index) while two requests insert a backup of
  // the same folder. Each insert waits for that entry with a shared lock; once the worker commits,
  // the entry is only delete-marked, so each goes on to lock the next entry of the index, and then
  // needs to insert into the gap the other now holds locked: a cycle, of which the server makes one
  // a victim (ER_LOCK_DEADLOCK). Which insert gets there first is up to the server's threads, so
  // the test makes the cycle certain rather than likely, with locks only:
  // - `gap` holds the next entry of the queued_key index locked until both inserts have their
  //   shared locks and wait at it (it then lets both in at once);
  // - `counts` holds the job counts locked, so the real startJob stops after its update, holding
  //   the queued_key entry, until both inserts wait for it;
  // - `reader` keeps a read view open, so that purge cannot remove the delete-marked entry under
  //   the waiting inserts.
  // Before the fix one of the two inserts always threw ER_LOCK_DEADLOCK.
  it('lets both of two backups of a folder whose queued backup a worker is starting succeed: one recorded, one answered with it', async () => {
    const folder = 'race/start';
    const first = await insertJob(db, { kind: 'backup', folder });
    await hold('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    const gap = await hold();
    await gap.query(
      'SELECT id FROM backup_job FORCE INDEX (backup_job_queued_key) WHERE queued_key > ? FOR UPDATE',
      [queuedKeyOf(folder)],
    );
    const counts = await hold();
    await counts.query("SELECT jobs FROM job_count WHERE kind = 'backup' FOR UPDATE");

    const started = startJob(db, first.job.id, 'worker-a:1');
    await lockWaits(1);
    const posts = [1, 2].map(() => settle(insertJob(db, { kind: 'backup', folder })));
    await lockWaits(3);
    await counts.query('COMMIT');
    expect((await started)?.status).toBe('running');
    await lockWaits(2);
    await gap.query('COMMIT');

    const answers = await Promise.all(posts);
    const jobs = answers.map((answer) => {
      if ('error' in answer) throw answer.error;
      return answer.value;
    });
    expect(jobs.map((answer) => answer.created).sort()).toEqual([false, true]);
    expect(jobs[0]?.job.id).toBe(jobs[1]?.job.id);
    expect(jobs[0]?.job.id).not.toBe(first.job.id);
    const [rows] = await db.query<RowDataPacket[]>(
      "SELECT id FROM backup_job WHERE folder = ? AND status = 'queued'",
      [folder],
    );
    expect(rows.map((row) => row.id)).toEqual([jobs[0]?.job.id]);
  });
});

describe('the bound on retries', () => {
  beforeAll(async () => {
    await db.query('CREATE TABLE probe (id INT PRIMARY KEY, n INT NOT NULL)');
    await db.query('INSERT INTO probe (id, n) VALUES ?', [Array.from({ length: 50 }, (_, i) => [i + 1, 0])]);
  });

  // A transaction (test-only, through the real helper) that meets a deadlock at every attempt: it
  // locks row 1 and then row 2, while a rival that has changed 48 rows (so the server, which makes
  // the lighter transaction the victim, always picks ours) holds row 2 and waits for row 1.
  it(`gives up a transaction that deadlocks at every attempt after ${TRANSACTION_ATTEMPTS} attempts, with DatabaseBusyError, and writes nothing`, async () => {
    const rival = await hold('SELECT 1');
    let rivalWaits: Promise<unknown> = Promise.resolve();
    let attempts = 0;
    const outcome = await settle(
      inTransaction(db, async (tx) => {
        attempts++;
        await rivalWaits.catch(() => undefined);
        await rival.query('ROLLBACK');
        await tx.query('SELECT n FROM probe WHERE id = 1 FOR UPDATE');
        await tx.query('UPDATE probe SET n = n + 1 WHERE id = 1');
        await rival.query('START TRANSACTION');
        await rival.query('UPDATE probe SET n = n + 1 WHERE id > 2');
        await rival.query('SELECT n FROM probe WHERE id = 2 FOR UPDATE');
        rivalWaits = rival.query('SELECT n FROM probe WHERE id = 1 FOR UPDATE');
        await lockWaits(1);
        await tx.query('SELECT n FROM probe WHERE id = 2 FOR UPDATE');
      }),
    );
    await rivalWaits.catch(() => undefined);
    await rival.query('ROLLBACK');

    expect(attempts).toBe(TRANSACTION_ATTEMPTS);
    if (!('error' in outcome)) throw new Error('the transaction was expected to fail');
    expect(outcome.error).toBeInstanceOf(DatabaseBusyError);
    expect(outcome.error).toMatchObject({ code: 'DATABASE_BUSY', attempts: TRANSACTION_ATTEMPTS });
    expect((outcome.error as Error).cause).toMatchObject({ code: 'ER_LOCK_DEADLOCK', errno: 1213 });
    const [rows] = await db.query<RowDataPacket[]>('SELECT SUM(n) AS n FROM probe');
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('does not retry an error that is not a lock conflict', async () => {
    let attempts = 0;
    const outcome = await settle(
      inTransaction(db, async (tx) => {
        attempts++;
        await tx.query('INSERT INTO probe (id, n) VALUES (1, 1)');
      }),
    );
    expect(attempts).toBe(1);
    expect('error' in outcome && (outcome.error as { code?: string }).code).toBe('ER_DUP_ENTRY');
  });
});

describe('every write path against every other', () => {
  // N of each write at once, on the same rows where they can meet: the same folders, the same
  // jobs, the same Idempotency-Key, the same schedules. Whatever deadlocks the server finds among
  // them, no error may reach a caller, and every table must agree with the jobs afterwards.
  const N = 6;
  const FOLDERS = ['mix/a', 'mix/b', 'mix/c'];

  it('lets no error escape, keeps one queued backup per folder, counters equal to counting the jobs, and one job per Idempotency-Key', async () => {
    // Per folder: a backup that succeeded (its snapshot to prune), one running, one queued.
    const succeeded: string[] = [];
    const running: string[] = [];
    const queued: string[] = [];
    for (const [i, folder] of FOLDERS.entries()) {
      const done = (await insertJob(db, { kind: 'backup', folder })).job.id;
      await startJob(db, done, 'setup:1');
      await finishJob(db, done, {
        status: 'succeeded',
        kind: 'backup',
        result: backupResult(`mix/${i}/snap`),
      });
      succeeded.push(done);
      const run = (await insertJob(db, { kind: 'backup', folder })).job.id;
      await startJob(db, run, 'setup:1');
      running.push(run);
      queued.push((await insertJob(db, { kind: 'backup', folder })).job.id);
    }
    // A job whose Idempotency-Key is past its 24 hours: the next request with the key frees it.
    const expired = await insertJob(
      db,
      { kind: 'backup', folder: 'mix/expired' },
      { key: 'old-key', route: 'POST /backups' },
    );
    await db.query('UPDATE backup_job SET created_at = created_at - INTERVAL 25 HOUR WHERE id = ?', [
      expired.job.id,
    ]);
    await finishJob(db, expired.job.id, {
      status: 'cancelled',
      error: { code: 'CANCELLED', message: 'setup' },
    });
    const schedules = await Promise.all(
      [1, 2, 3].map((i) => insertSchedule(db, { folder: `mix/scheduled/${i}`, cron: '0 3 * * *' })),
    );
    const [logsBefore] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM log');

    const times = <T>(make: (i: number) => Promise<T>) =>
      Array.from({ length: N }, (_, i) => settle(make(i)));
    const ops = {
      sameFolder: FOLDERS.map((folder) => times(() => insertJob(db, { kind: 'backup', folder }))),
      onlyInserts: FOLDERS.map((folder) =>
        times(() => insertJob(db, { kind: 'backup', folder: `${folder}/only` })),
      ),
      sameKey: times(() =>
        insertJob(db, { kind: 'backup', folder: 'mix/keyed' }, { key: 'same-key', route: 'POST /backups' }),
      ),
      expiredKey: times(() =>
        insertJob(db, { kind: 'backup', folder: 'mix/expired' }, { key: 'old-key', route: 'POST /backups' }),
      ),
      verify: succeeded.map((backupId) =>
        times(() => insertJob(db, { kind: 'verify', folder: 'mix/a', params: { backupId } })),
      ),
      start: queued.map((id) => times((i) => startJob(db, id, `worker-${i}:1`))),
      cancel: queued.map((id) =>
        times(() =>
          finishJob(db, id, { status: 'cancelled', error: { code: 'CANCELLED', message: 'race' } }),
        ),
      ),
      finish: running.map((id, f) =>
        times((i) =>
          i % 2 === 0
            ? finishJob(db, id, {
                status: 'succeeded',
                kind: 'backup',
                result: backupResult(`mix/${f}/run`, 7),
              })
            : finishJob(db, id, { status: 'failed', error: { code: 'IO_ERROR', message: 'race' } }),
        ),
      ),
      progress: running.map((id) =>
        times((i) => updateProgress(db, id, { filesDone: i, filesTotal: N, bytesDone: i, bytesTotal: N })),
      ),
      prune: times(() =>
        markPruned(
          db,
          FOLDERS.map((_, i) => `mix/${i}/snap`),
        ),
      ),
      log: times(() => insertLog(db, { action: 'Get Stats', parameter: null, status: 'SUCCESS' })),
      logs: times(() =>
        insertLogs(db, [
          { action: 'Get Log', parameter: null, status: 'SUCCESS', date: new Date() },
          { action: 'Get Stats', parameter: null, status: 'SUCCESS', date: new Date() },
        ]),
      ),
      newSchedule: times((i) => insertSchedule(db, { folder: 'mix/a', cron: `${i} 4 * * *` })),
      pause: schedules.map((schedule) => times((i) => setSchedulePaused(db, schedule.id, i % 2 === 0))),
      deleteSchedule: times(() => deleteSchedule(db, schedules[0]?.id ?? '')),
    };
    const settled = await Promise.all(
      Object.entries(ops).map(async ([op, list]) => [op, await Promise.all(list.flat())] as const),
    );
    const values = Object.fromEntries(
      settled.map(([op, outcomes]) => [
        op,
        outcomes.map((outcome) => {
          if ('error' in outcome)
            throw new Error(`${op} failed: ${String(outcome.error)}`, { cause: outcome.error });
          return outcome.value;
        }),
      ]),
    ) as { [K in keyof typeof ops]: unknown[] };

    // At most one queued backup per folder, and it holds the folder's queued_key.
    const [perFolder] = await db.query<RowDataPacket[]>(
      `SELECT folder, COUNT(*) AS n, SUM(queued_key IS NOT NULL) AS keyed FROM backup_job
       WHERE kind = 'backup' AND status = 'queued' GROUP BY folder`,
    );
    for (const row of perFolder)
      expect({ folder: row.folder, n: Number(row.n) }).toEqual({ folder: row.folder, n: 1 });
    for (const row of perFolder) expect(Number(row.keyed)).toBe(1);
    // Where nothing but inserts ran, every request was answered with that one queued backup.
    for (const folder of FOLDERS) {
      const ids = new Set(
        (values.onlyInserts as InsertedJob[])
          .filter(({ job }) => job.folder === `${folder}/only`)
          .map(({ job }) => job.id),
      );
      const [rows] = await db.query<RowDataPacket[]>(
        "SELECT id FROM backup_job WHERE folder = ? AND status = 'queued'",
        [`${folder}/only`],
      );
      expect([...ids]).toEqual(rows.map((row) => row.id));
    }
    // One job per Idempotency-Key: the key in use, and the expired key, given to one new job.
    const keyed = new Set((values.sameKey as InsertedJob[]).map(({ job }) => job.id));
    expect(keyed.size).toBe(1);
    const renewed = new Set((values.expiredKey as InsertedJob[]).map(({ job }) => job.id));
    expect(renewed.size).toBe(1);
    expect(renewed.has(expired.job.id)).toBe(false);
    expect((values.sameKey as InsertedJob[]).filter(({ created }) => created)).toHaveLength(1);
    expect((values.expiredKey as InsertedJob[]).filter(({ created }) => created)).toHaveLength(1);

    // Each queued job was either started (each start one attempt) or cancelled, not both.
    for (const id of queued) {
      const [[row]] = (await db.query('SELECT status, attempts FROM backup_job WHERE id = ?', [id])) as [
        RowDataPacket[],
        unknown,
      ];
      expect(['running', 'cancelled']).toContain(row?.status);
    }
    const starts = (values.start as unknown[]).filter((job) => job !== null).length;
    const [[startedRow]] = (await db.query(
      "SELECT COALESCE(SUM(attempts), 0) AS n FROM backup_job WHERE id IN (?) AND status = 'running'",
      [queued],
    )) as [RowDataPacket[], unknown];
    expect(Number(startedRow?.n)).toBe(starts);
    // Each running job ended exactly once.
    expect((values.finish as unknown[]).filter((job) => job !== null)).toHaveLength(running.length);

    // The counters equal what counting the jobs gives.
    const [counted] = await db.query<RowDataPacket[]>(
      `SELECT kind, status, COUNT(*) AS jobs, COALESCE(SUM(files_copied), 0) AS files,
         COALESCE(SUM(bytes_copied), 0) AS bytes
       FROM backup_job GROUP BY kind, status`,
    );
    const [countersRows] = await db.query<RowDataPacket[]>(
      `SELECT kind, status, SUM(jobs) AS jobs, SUM(files_copied) AS files, SUM(bytes_copied) AS bytes
       FROM job_count GROUP BY kind, status HAVING SUM(jobs) <> 0`,
    );
    const shape = (rows: RowDataPacket[]) =>
      rows
        .map(
          (row) =>
            `${row.kind}/${row.status}: ${Number(row.jobs)} jobs, ${Number(row.files)} files, ${Number(row.bytes)} bytes`,
        )
        .sort();
    expect(shape(countersRows)).toEqual(shape(counted));
    const [failures] = await db.query<RowDataPacket[]>(
      `SELECT c.kind, c.code, c.failures, (SELECT COUNT(*) FROM backup_job j
         WHERE j.status = 'failed' AND j.kind = c.kind AND j.error_code = c.code) AS counted
       FROM job_failure_count c`,
    );
    for (const row of failures) expect(Number(row.failures)).toBe(Number(row.counted));
    const [lastSuccess] = await db.query<RowDataPacket[]>(
      `SELECT f.folder, f.last_success_at = (SELECT MAX(finished_at) FROM backup_job j
         WHERE j.kind = 'backup' AND j.status = 'succeeded' AND j.folder = f.folder) AS same
       FROM folder_backup f WHERE f.last_success_at IS NOT NULL`,
    );
    expect(lastSuccess.map((row) => ({ folder: row.folder, same: Number(row.same) }))).toEqual(
      lastSuccess.map((row) => ({ folder: row.folder, same: 1 })),
    );

    // Every log row was written once: the reads', and one per job that ended in the race.
    const ended = [...(values.cancel as unknown[]), ...(values.finish as unknown[])].filter(
      (job) => job !== null,
    );
    const [logsAfter] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM log');
    expect(Number(logsAfter[0]?.n) - Number(logsBefore[0]?.n)).toBe(N + 2 * N + ended.length);
    // The snapshots were marked pruned, once each.
    expect((values.prune as number[]).reduce((sum, n) => sum + n, 0)).toBe(FOLDERS.length);
    // Schedules: three, plus N new, less the one deleted once.
    expect((values.deleteSchedule as boolean[]).filter(Boolean)).toHaveLength(1);
    const [scheduleRows] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM schedule');
    expect(Number(scheduleRows[0]?.n)).toBe(3 + N - 1);
  });
});
