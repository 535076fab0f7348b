import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { insertJob } from '@strongbox/db';
import { folderKey, sweepFolder } from '@strongbox/engine';
import { enqueue, QUEUE_NAME } from '@strongbox/queue';
import { type LocalServer, startMariadb, startRedis } from '@strongbox/services';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitOutOutage } from './db-outage.js';
import { FolderLockLostError, tryLockFolder } from './folder-lock.js';
import { backupRunner, RUNNERS } from './runners.js';
import { capturingLogger } from './testing/capturing-logger.js';
import { folderLockHolds, overlappingHolds } from './testing/lock-holds.js';
import {
  startWorkerTestEnv,
  type WorkerTestEnv,
  type WorkerTestEnvOptions,
  waitUntil,
} from './testing/test-worker.js';

// Servers of this file's own, which the tests stop and start again: never the suite's.
let scratch: string;
let mariadb: LocalServer;
let redis: LocalServer;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'strongbox-outages-'));
  [mariadb, redis] = await Promise.all([
    startMariadb({ dataDir: path.join(scratch, 'mariadb') }),
    startRedis({ dataDir: path.join(scratch, 'redis') }),
  ]);
});
afterAll(async () => {
  await Promise.all([mariadb?.stop(), redis?.stop()]);
  await rm(scratch, { recursive: true, force: true });
});

async function restartMariadb(): Promise<void> {
  mariadb = await startMariadb({ dataDir: path.join(scratch, 'mariadb'), port: mariadb.port });
}

async function logRows(env: WorkerTestEnv, jobId: string): Promise<string[]> {
  const [rows] = await env.db.query<RowDataPacket[]>('SELECT action, status FROM log WHERE job_id = ?', [
    jobId,
  ]);
  return rows.map((row) => `${row.action} ${row.status}`);
}

/** Log lines of one job, with `msg` and the fields asked for. */
function linesOf(lines: Record<string, unknown>[], jobId: string) {
  return lines.filter((line) => line.jobId === jobId);
}

/** A worker test env of its own for the tests of one describe, on the options given then, its log kept. */
function envFor(options: () => WorkerTestEnvOptions): {
  env: WorkerTestEnv;
  lines: Record<string, unknown>[];
} {
  const { logger, lines } = capturingLogger();
  const setup = { env: undefined as unknown as WorkerTestEnv, lines };
  beforeAll(async () => {
    setup.env = await startWorkerTestEnv({ logger, ...options() });
  });
  afterAll(async () => {
    await setup.env?.close();
  });
  return setup;
}

describe('a MySQL outage while a job records its end', () => {
  const setup = envFor(() => ({ databaseServerUrl: mariadb.url }));

  it('is waited out: the job succeeds on its first attempt, copied once, its lock renewed meanwhile', async () => {
    const { env, lines } = setup;
    await env.makeFolder('outage/end', { 'a.txt': 'alpha' });
    let copies = 0;
    let stopped: Promise<void> | undefined;
    await env.startWorker({
      // A lock of one second: had it not been renewed during the outage, the job would be taken
      // for stalled and run again.
      stalls: { lockDurationMs: 1_000, stalledIntervalMs: 500, maxStalledCount: 5 },
      runners: {
        ...RUNNERS,
        backup: async (job, context) => {
          copies++;
          const result = await RUNNERS.backup(job, context);
          stopped ??= mariadb.stop();
          await stopped;
          return result;
        },
      },
    });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'outage/end' });
    await enqueue(env.queue, job);
    await waitUntil(
      async () =>
        linesOf(lines, job.id).some((l) => String(l.msg).startsWith('the database cannot be reached')),
      () => 'the worker never waited for the database',
    );
    // Down until BullMQ has renewed the job's lock twice: longer than the lock lasts.
    const redisClient = env.connection();
    const lockKey = `${env.config.queuePrefix}:${QUEUE_NAME}:${job.id}:lock`;
    let renewals = 0;
    let last = Number.POSITIVE_INFINITY;
    await waitUntil(
      async () => {
        const ttl = await redisClient.pttl(lockKey);
        if (ttl > last) renewals++;
        last = ttl;
        return renewals >= 2;
      },
      () => `the job's lock was not renewed during the outage (renewals: ${renewals}, ttl: ${last})`,
    );
    await restartMariadb();
    const ended = await env.waitForEnd(job.id, 60_000);
    expect(ended).toMatchObject({ status: 'succeeded', attempts: 1, error: null });
    expect(copies).toBe(1);
    expect(await logRows(env, job.id)).toEqual(['Backup SUCCESS']);
    await waitUntil(
      async () => (await env.queue.getJobState(job.id)) === 'completed',
      () => 'the queue never completed the job',
    );
    expect((await env.queue.getJob(job.id))?.attemptsMade).toBe(1);
    await env.stopWorkers();
  });
});

describe('a MySQL outage at the start of an attempt', () => {
  const setup = envFor(() => ({ databaseServerUrl: mariadb.url, env: { DB_OUTAGE_TOLERANCE_SECONDS: '0' } }));

  it('fails the attempt with its reason in the log, and a later attempt runs the job', async () => {
    const { env, lines } = setup;
    await env.makeFolder('outage/start', { 'a.txt': 'alpha' });
    await env.startWorker();
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'outage/start' });
    await mariadb.stop();
    await env.queue.add(
      'backup',
      { id: job.id },
      { jobId: job.id, attempts: 50, backoff: { type: 'fixed', delay: 100 } },
    );
    await waitUntil(
      async () => linesOf(lines, job.id).some((l) => l.msg === 'job failed; it will be retried'),
      () => `no failed attempt was logged:\n${JSON.stringify(linesOf(lines, job.id))}`,
    );
    const failed = linesOf(lines, job.id).find((l) => l.msg === 'job failed; it will be retried')!;
    expect(failed).toMatchObject({ level: 40, attempt: 1, code: 'INTERNAL', err: { code: 'ECONNREFUSED' } });
    await restartMariadb();
    expect(await env.waitForEnd(job.id, 60_000)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await logRows(env, job.id)).toEqual(['Backup SUCCESS']);
    await env.stopWorkers();
  });
});

/** Waits until a line of `jobId` says `msg`, or `stop()` holds. */
function lineOrStop(lines: Record<string, unknown>[], jobId: () => string, msg: string, stop: () => boolean) {
  return waitUntil(
    async () => stop() || linesOf(lines, jobId()).some((l) => l.msg === msg),
    () => `no line "${msg}" was logged`,
    60_000,
  );
}

/** The names in the backup directory of `folder`, sorted. */
async function entriesOf(env: WorkerTestEnv, folder: string): Promise<string[]> {
  return (await readdir(path.join(env.config.backupFolder, folderKey(folder)))).sort();
}

/** What a folder's directory holds once only `jobs` made snapshots in it. */
function snapshotsOf(...jobs: { result: unknown }[]): string[] {
  return [
    '.folder.json',
    ...jobs.flatMap((job) => {
      const name = path.basename((job.result as { snapshot: string }).snapshot);
      return [name, `${name}.manifest.jsonl`];
    }),
  ].sort();
}

/** Ends the lease on `folder` now, whoever holds it, as time running out unrenewed would. */
async function expireLease(env: WorkerTestEnv, folder: string): Promise<void> {
  await env.db.query(
    'UPDATE folder_lease SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE folder_key = SHA2(?, 256)',
    [folder],
  );
}

const RENEWAL_FAILED =
  'the folder lease could not be renewed; the backup goes on, and its fence will ask again';
const RENEWED_AGAIN = 'the database is back; the folder lease is renewed';

describe('MySQL restarted in the middle of a backup', () => {
  const setup = envFor(() => ({ databaseServerUrl: mariadb.url }));

  it('is waited out: the backup ends on its first attempt with every file copied once, and the backup of the folder queued behind it runs only after it', async () => {
    const { env, lines } = setup;
    const folder = 'restart/mid-copy';
    // 4 files, 19 bytes; the copy is held when the root is listed and `sub` about to be opened.
    await env.makeFolder(folder, {
      'a.txt': 'alpha',
      'b.txt': 'beta',
      'sub/c.txt': 'gamma',
      'sub/deeper/d.txt': 'delta',
    });
    let a = '';
    let b = '';
    let signal: AbortSignal | undefined;
    let pauses = 0;
    const midCopy = backupRunner({
      beforeOpenDirectory: async () => {
        if (pauses++ > 0) return;
        // Backup B of the same folder, queued now, finds it busy, and asks again every 50 ms
        // through the outage and after it.
        b = (await insertJob(env.db, { kind: 'backup', folder })).job.id;
        await enqueue(env.queue, { id: b, kind: 'backup', folder });
        await lineOrStop(
          lines,
          () => b,
          'another backup of this folder is running; waiting for it',
          () => false,
        );
        await mariadb.stop();
        // A renewal of the lease meets the database down (or, were a lost connection a lost
        // lease, the backup is stopped).
        await lineOrStop(
          lines,
          () => a,
          RENEWAL_FAILED,
          () => signal?.aborted === true,
        );
        await restartMariadb();
        await lineOrStop(
          lines,
          () => a,
          RENEWED_AGAIN,
          () => signal?.aborted === true,
        );
      },
    });
    await env.startWorker({
      folderBusyDelayMs: 50,
      folderLock: { renewIntervalMs: 100 },
      runners: {
        ...RUNNERS,
        backup: (job, context) => {
          if (job.id === a) signal = context.signal;
          return midCopy(job, context);
        },
      },
    });
    a = (await insertJob(env.db, { kind: 'backup', folder })).job.id;
    await env.queue.add(
      'backup',
      { id: a },
      { jobId: a, attempts: 5, backoff: { type: 'fixed', delay: 50 } },
    );
    const endedA = await env.waitForEnd(a, 120_000);
    const endedB = await env.waitForEnd(b, 60_000);
    await env.stopWorkers();

    // No attempt failed (a lost lock would show here as FOLDER_LOCK_LOST).
    const failed = linesOf(lines, a).filter((l) => l.msg === 'job failed; it will be retried');
    expect(failed.map((l) => l.code)).toEqual([]);
    expect(endedA).toMatchObject({ status: 'succeeded', attempts: 1, error: null });
    expect(endedA.result).toMatchObject({
      files: 4,
      bytes: 19,
      copiedFiles: 4,
      copiedBytes: 19,
      linkedFiles: 0,
    });
    expect((await env.queue.getJob(a))?.attemptsMade).toBe(1);
    expect(endedB).toMatchObject({ status: 'succeeded', attempts: 1 });
    for (const job of [a, b]) expect(await logRows(env, job)).toEqual(['Backup SUCCESS']);
    const holds = folderLockHolds(lines).filter((h) => h.folder === folder);
    expect(holds.map((h) => h.jobId)).toEqual([a, b]);
    expect(overlappingHolds(holds)).toEqual([]);
    expect(await entriesOf(env, folder)).toEqual(snapshotsOf(endedA, endedB));
  });
});

describe('a folder lease taken over while its holder could not renew it', () => {
  const setup = envFor(() => ({ databaseServerUrl: mariadb.url }));

  /**
   * Starts a worker whose first backup is held in its copy (the root listed, `b` about to be
   * opened), and backup A of `folder` on it, with one attempt: its failure ends the job. Answers
   * once A is held; `release()` lets it go on.
   */
  async function heldInCopy(env: WorkerTestEnv, folder: string) {
    await env.makeFolder(folder, { 'a.txt': 'alpha', 'b/c.txt': 'gamma' });
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let pauses = 0;
    let paused: () => void = () => undefined;
    const pausedNow = new Promise<void>((resolve) => {
      paused = resolve;
    });
    await env.startWorker({
      folderBusyDelayMs: 50,
      // No renewal in these tests: the fence alone must find that the lease is another's.
      folderLock: { renewIntervalMs: 3_600_000 },
      runners: {
        ...RUNNERS,
        backup: backupRunner({
          beforeOpenDirectory: async () => {
            if (pauses++ > 0) return;
            paused();
            await released;
          },
        }),
      },
    });
    const { job: a } = await insertJob(env.db, { kind: 'backup', folder });
    await env.queue.add('backup', { id: a.id }, { jobId: a.id, attempts: 1 });
    await pausedNow;
    return { a, release };
  }

  it("stops its backup at the fence, before its snapshot is put in place; only the new holder's snapshot exists", async () => {
    const { env, lines } = setup;
    const folder = 'lease/taken-over';
    const { a, release } = await heldInCopy(env, folder);
    // As if A's renewals had not reached the database for longer than the lease lasts.
    await expireLease(env, folder);
    const { job: b } = await insertJob(env.db, { kind: 'backup', folder });
    await enqueue(env.queue, b);
    const endedB = await env.waitForEnd(b.id);
    expect(endedB).toMatchObject({ status: 'succeeded', attempts: 1 });
    release();
    const endedA = await env.waitForEnd(a.id);
    await env.stopWorkers();

    expect(endedA).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'FOLDER_LOCK_LOST' } });
    expect(await logRows(env, a.id)).toEqual(['Backup FAILED']);
    expect(await logRows(env, b.id)).toEqual(['Backup SUCCESS']);
    const holds = folderLockHolds(lines).filter((h) => h.folder === folder);
    expect(holds.map((h) => h.jobId)).toEqual([a.id, b.id]);
    expect(linesOf(lines, a.id).find((l) => l.folderLock === 'lost')).toMatchObject({ fencingToken: 1 });
    expect(linesOf(lines, b.id).find((l) => l.folderLock === 'released')).toMatchObject({ fencingToken: 2 });
    // B's snapshot alone: A's staging is gone and A put nothing in place.
    expect(await entriesOf(env, folder)).toEqual(snapshotsOf(endedB));
  });

  it('by a later attempt of its own job, which sweeps its staging, stops it with FOLDER_LOCK_LOST and no snapshot', async () => {
    const { env, lines } = setup;
    const folder = 'lease/same-job';
    const { a, release } = await heldInCopy(env, folder);
    await expireLease(env, folder);
    // What a later attempt of job A does first, once the queue handed A on: take the lease, and
    // sweep the folder, which removes every earlier attempt's staging.
    const later = await tryLockFolder(env.db, folder);
    expect(later?.lease.token).toBe(2);
    const swept = await sweepFolder({ backupFolder: env.config.backupFolder, folder, jobId: a.id });
    expect(swept).toHaveLength(1);
    expect(swept[0]).toMatch(/^\.staging-/);
    release();
    const endedA = await env.waitForEnd(a.id);
    await later!.release();
    await env.stopWorkers();

    expect(endedA).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'FOLDER_LOCK_LOST' } });
    expect(linesOf(lines, a.id).find((l) => l.folderLock === 'lost')).toMatchObject({ fencingToken: 1 });
    expect(await entriesOf(env, folder)).toEqual(['.folder.json']);
  });
});

describe('Redis stopped and started again, empty', () => {
  const setup = envFor(() => ({ redisUrl: redis.url }));

  it('has every job accepted meanwhile queued and run at once, without waiting for the periodic pass', async () => {
    const { env, lines } = setup;
    const folders = ['redis/a', 'redis/b', 'redis/c'];
    for (const folder of folders) await env.makeFolder(folder, { 'a.txt': folder });
    // The periodic reconciliation is an hour apart here: only the pass run on reconnecting can help.
    await env.startWorker({ reconcileIntervalMs: 3_600_000 });
    await redis.stop();
    const ids: string[] = [];
    for (const folder of folders) ids.push((await insertJob(env.db, { kind: 'backup', folder })).job.id);
    redis = await startRedis({ dataDir: path.join(scratch, 'redis'), port: redis.port });
    const back = Date.now();
    const ended = [];
    for (const id of ids) ended.push(await env.waitForEnd(id, 30_000));
    expect(ended.map((job) => job.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(lines.some((l) => l.msg === 'Redis is back; reconciling with the queue now')).toBe(true);
    const started = Math.max(...ended.map((job) => Date.parse(job.startedAt!)));
    console.info(
      `every job accepted while Redis was down was running ${started - back} ms after Redis was back`,
    );
    await env.stopWorkers();
  });
});

describe('a folder lease', () => {
  const setup = envFor(() => ({ databaseServerUrl: mariadb.url }));

  it("is held while its token is the lease's, and lost once another holder took it after it expired", async () => {
    const { env } = setup;
    const hour = { leaseMs: 3_600_000, renewIntervalMs: 3_600_000 };
    const lock = await tryLockFolder(env.db, 'lease/asked', hour);
    expect(lock).not.toBeNull();
    await lock!.assertHeld();
    expect(lock!.lost.aborted).toBe(false);
    expect(await tryLockFolder(env.db, 'lease/asked', hour)).toBeNull();
    await expireLease(env, 'lease/asked');
    const other = await tryLockFolder(env.db, 'lease/asked', hour);
    expect(other?.lease.token).toBe(lock!.lease.token + 1);
    const error = await lock!.assertHeld().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FolderLockLostError);
    expect((error as FolderLockLostError).code).toBe('FOLDER_LOCK_LOST');
    expect(lock!.lost.aborted).toBe(true);
    // The old holder's release leaves the new holder's lease alone.
    await lock!.release();
    expect(await tryLockFolder(env.db, 'lease/asked', hour)).toBeNull();
    await other!.release();
    const again = await tryLockFolder(env.db, 'lease/asked', hour);
    expect(again).not.toBeNull();
    await again!.release();
  });

  it('is kept through a MySQL restart: renewals that fail lose nothing, and the fence waits for the database', async () => {
    const { env } = setup;
    const { logger, lines } = capturingLogger();
    const lock = (await tryLockFolder(env.db, 'lease/restart', { renewIntervalMs: 100 }, { log: logger }))!;
    await mariadb.stop();
    await waitUntil(
      async () => lines.some((l) => l.msg === RENEWAL_FAILED),
      () => 'no renewal met the database down',
    );
    expect(lock.lost.aborted).toBe(false);
    // The fence, asked while the database is down, waits for it as the job's bookkeeping does.
    const fenced = lock.assertHeld((query) =>
      waitOutOutage(query, { toleranceMs: 60_000, log: logger, what: 'checking the folder lease' }),
    );
    await waitUntil(
      async () =>
        lines.some(
          (l) => l.msg === 'the database cannot be reached; waiting for it before checking the folder lease',
        ),
      () => 'the fence did not wait for the database',
    );
    await restartMariadb();
    await fenced;
    await waitUntil(
      async () => lines.some((l) => l.msg === RENEWED_AGAIN),
      () => 'the lease was not renewed once the database was back',
    );
    expect(lock.lost.aborted).toBe(false);
    expect(await tryLockFolder(env.db, 'lease/restart')).toBeNull();
    await lock.release();
    const again = await tryLockFolder(env.db, 'lease/restart');
    expect(again?.lease.token).toBe(lock.lease.token + 1);
    await again!.release();
  });
});
