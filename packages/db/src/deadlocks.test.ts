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
  releaseFolderLease,
  renewFolderLease,
  setSchedulePaused,
  startJob,
  TRANSACTION_ATTEMPTS,
  takeFolderLease,
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
  // Actors that each run one write path ROUNDS times in a row, all at once, on the same rows where
  // they can meet: workers recording, starting, moving and ending the backups of a folder while
  // clients ask for backups of it, one with an Idempotency-Key, a client cancelling, retention
  // marking snapshots, reads' log rows, schedules changing. Whatever deadlocks the server finds
  // among them, no error may reach a caller, and every table must agree with the jobs afterwards.
  const N = 4;
  const ROUNDS = 8;
  const FOLDERS = ['mix/a', 'mix/b'];

  it('lets no error escape, keeps at most one queued backup per folder, counters equal to counting the jobs, and one job per Idempotency-Key', async () => {
    // A backup that succeeded per folder, for verify jobs and prune marks.
    const succeeded: string[] = [];
    for (const [i, folder] of FOLDERS.entries()) {
      const done = (await insertJob(db, { kind: 'backup', folder })).job.id;
      await startJob(db, done, 'setup:1');
      await finishJob(db, done, {
        status: 'succeeded',
        kind: 'backup',
        result: backupResult(`mix/${i}/snap`),
      });
      succeeded.push(done);
    }
    // A job whose Idempotency-Key is past its 24 hours: the next request with the key frees it.
    const route = 'POST /backups';
    const expired = await insertJob(db, { kind: 'backup', folder: 'mix/expired' }, { key: 'old-key', route });
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

    const answers = { keyed: [] as InsertedJob[], renewed: [] as InsertedJob[], deleted: [] as boolean[] };
    const rounds = async (work: (round: number) => Promise<unknown>) => {
      for (let round = 0; round < ROUNDS; round++) await work(round);
    };
    // Two workers per folder take the queued backup, start it (the second takes it over), report
    // progress and end it, succeeded or failed; meanwhile N clients ask for backups of the folder.
    const worker = (folder: string, f: number, w: number) =>
      rounds(async (round) => {
        const { job } = await insertJob(db, { kind: 'backup', folder });
        const started = await startJob(db, job.id, `worker-${w}:1`);
        if (!started) return;
        await updateProgress(db, job.id, {
          filesDone: round,
          filesTotal: 9,
          bytesDone: round,
          bytesTotal: 9,
        });
        await finishJob(
          db,
          job.id,
          round % 2 === 0
            ? { status: 'succeeded', kind: 'backup', result: backupResult(`mix/${f}/${w}/${round}`, round) }
            : { status: 'failed', error: { code: 'IO_ERROR', message: 'race' } },
        );
      });
    const actors = [
      ...FOLDERS.flatMap((folder, f) => [worker(folder, f, 1), worker(folder, f, 2)]),
      ...FOLDERS.flatMap((folder) =>
        Array.from({ length: N }, () => rounds(() => insertJob(db, { kind: 'backup', folder }))),
      ),
      // Cancelling what is queued.
      ...FOLDERS.map((folder) =>
        rounds(async () => {
          const { job } = await insertJob(db, { kind: 'backup', folder });
          await finishJob(db, job.id, { status: 'cancelled', error: { code: 'CANCELLED', message: 'race' } });
        }),
      ),
      // The same Idempotency-Key, again and again, from N clients; and the expired one.
      ...Array.from({ length: N }, () =>
        rounds(async () => {
          answers.keyed.push(
            await insertJob(db, { kind: 'backup', folder: 'mix/keyed' }, { key: 'same-key', route }),
          );
          answers.renewed.push(
            await insertJob(db, { kind: 'backup', folder: 'mix/expired' }, { key: 'old-key', route }),
          );
        }),
      ),
      ...succeeded.map((backupId) =>
        rounds(() => insertJob(db, { kind: 'verify', folder: 'mix/a', params: { backupId } })),
      ),
      rounds(() =>
        markPruned(
          db,
          FOLDERS.map((_, i) => `mix/${i}/snap`),
        ),
      ),
      rounds(() => insertLog(db, { action: 'Get Stats', parameter: null, status: 'SUCCESS' })),
      rounds(() =>
        insertLogs(db, [
          { action: 'Get Log', parameter: null, status: 'SUCCESS', date: new Date() },
          { action: 'Get Stats', parameter: null, status: 'SUCCESS', date: new Date() },
        ]),
      ),
      rounds((round) => insertSchedule(db, { folder: 'mix/a', cron: `${round} 4 * * *` })),
      ...schedules.map((schedule) => rounds((round) => setSchedulePaused(db, schedule.id, round % 2 === 0))),
      ...Array.from({ length: N }, () =>
        rounds(async () => answers.deleted.push(await deleteSchedule(db, schedules[0]?.id ?? ''))),
      ),
    ];
    // Folder leases: N holders per folder take, renew and release, beside everything else.
    const leaseOptions = { durationMs: 60_000 };
    const taken: number[] = [];
    actors.push(
      ...FOLDERS.flatMap((folder, f) =>
        Array.from({ length: N }, (_, h) =>
          rounds(async () => {
            const lease = await takeFolderLease(db, folder, `holder-${f}-${h}`, leaseOptions);
            if (!lease) return;
            taken.push(lease.token);
            await renewFolderLease(db, lease, leaseOptions);
            await releaseFolderLease(db, lease);
          }),
        ),
      ),
    );
    const outcomes = await Promise.allSettled(actors);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);

    // Every lease taken was released, and each take had a token of its own: a folder's token
    // counts its takes.
    const [leases] = await db.query<RowDataPacket[]>(
      'SELECT SUM(holder IS NOT NULL) AS held, SUM(token) AS tokens FROM folder_lease',
    );
    expect(Number(leases[0]?.held)).toBe(0);
    expect(Number(leases[0]?.tokens)).toBe(taken.length);
    expect(taken.length).toBeGreaterThan(0);

    // At most one queued backup per folder, and it holds the folder's queued_key.
    const [perFolder] = await db.query<RowDataPacket[]>(
      `SELECT folder, COUNT(*) AS n, SUM(queued_key IS NOT NULL) AS keyed FROM backup_job
       WHERE kind = 'backup' AND status = 'queued' GROUP BY folder`,
    );
    expect(perFolder.filter((row) => Number(row.n) !== 1 || Number(row.keyed) !== 1)).toEqual([]);
    // One job per Idempotency-Key: the key in use, and the expired key, given to one new job.
    expect(new Set(answers.keyed.map(({ job }) => job.id)).size).toBe(1);
    expect(answers.keyed.filter(({ created }) => created)).toHaveLength(1);
    const renewed = new Set(answers.renewed.map(({ job }) => job.id));
    expect(renewed.size).toBe(1);
    expect(renewed.has(expired.job.id)).toBe(false);
    expect(answers.renewed.filter(({ created }) => created)).toHaveLength(1);

    // The counters equal what counting the jobs gives.
    const [counted] = await db.query<RowDataPacket[]>(
      `SELECT kind, status, COUNT(*) AS jobs, COALESCE(SUM(files_copied), 0) AS files,
         COALESCE(SUM(bytes_copied), 0) AS bytes
       FROM backup_job GROUP BY kind, status`,
    );
    const [counters] = await db.query<RowDataPacket[]>(
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
    expect(shape(counters)).toEqual(shape(counted));
    const [failures] = await db.query<RowDataPacket[]>(
      `SELECT c.kind, c.code, c.failures, (SELECT COUNT(*) FROM backup_job j
         WHERE j.status = 'failed' AND j.kind = c.kind AND j.error_code = c.code) AS counted
       FROM job_failure_count c`,
    );
    expect(failures.filter((row) => Number(row.failures) !== Number(row.counted))).toEqual([]);
    const [lastSuccess] = await db.query<RowDataPacket[]>(
      `SELECT f.folder FROM folder_backup f WHERE NOT f.last_success_at <=> (SELECT MAX(finished_at)
         FROM backup_job j WHERE j.kind = 'backup' AND j.status = 'succeeded' AND j.folder = f.folder)`,
    );
    expect(lastSuccess).toEqual([]);

    // Every ended job has exactly one log row; every read's row was written once.
    const [unlogged] = await db.query<RowDataPacket[]>(
      `SELECT j.id FROM backup_job j WHERE j.finished_at IS NOT NULL
         AND (SELECT COUNT(*) FROM log l WHERE l.job_id = j.id) <> 1`,
    );
    expect(unlogged).toEqual([]);
    const [reads] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM log WHERE job_id IS NULL');
    expect(Number(reads[0]?.n)).toBe(3 * ROUNDS);
    // The snapshots were marked pruned, once each.
    const [pruned] = await db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM backup_job WHERE pruned_at IS NOT NULL AND id IN (?)',
      [succeeded],
    );
    expect(Number(pruned[0]?.n)).toBe(succeeded.length);
    // Schedules: three, plus one a round, less the one deleted once.
    expect(answers.deleted.filter(Boolean)).toHaveLength(1);
    const [scheduleRows] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM schedule');
    expect(Number(scheduleRows[0]?.n)).toBe(3 + ROUNDS - 1);
  });
});
