import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { insertJob } from '@strongbox/db';
import { folderKey } from '@strongbox/engine';
import { enqueue, QUEUE_NAME } from '@strongbox/queue';
import { type LocalServer, startMariadb, startRedis } from '@strongbox/services';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderLockLostError, folderLockName, tryLockFolder } from './folder-lock.js';
import { RUNNERS, type Runners } from './runners.js';
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

/** A backup runner whose first attempt at `folder` waits for `release()` or for its signal. */
function heldBackup(folder: string) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let aborted = false;
  let held = 0;
  const runners: Runners = {
    ...RUNNERS,
    backup: async (job, context) => {
      if (job.folder === folder && held++ === 0) {
        await new Promise<void>((resolve, reject) => {
          context.signal.addEventListener('abort', () => {
            aborted = true;
            reject(context.signal.reason);
          });
          void released.then(resolve);
        });
      }
      return RUNNERS.backup(job, context);
    },
  };
  return { runners, release: () => release(), aborted: () => aborted };
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

describe('the folder lock', () => {
  const setup = envFor(() => ({ databaseServerUrl: mariadb.url }));

  /**
   * Runs backup A of `folder`, held inside its copy, and backup B of the same folder queued behind
   * it; `cut()` then takes A's lock away. Answers both jobs once ended, and the lock holds logged.
   */
  async function lockCutWhileRunning(folder: string, cut: () => Promise<void>) {
    const { env, lines } = setup;
    await env.makeFolder(folder, { 'a.txt': 'alpha', 'b/c.txt': 'gamma' });
    const held = heldBackup(folder);
    await env.startWorker({
      runners: held.runners,
      folderBusyDelayMs: 50,
      folderLock: { watchIntervalMs: 200 },
    });
    const { job: a } = await insertJob(env.db, { kind: 'backup', folder });
    await env.queue.add(
      'backup',
      { id: a.id },
      { jobId: a.id, attempts: 5, backoff: { type: 'fixed', delay: 50 } },
    );
    await waitUntil(
      async () => linesOf(lines, a.id).some((l) => l.folderLock === 'taken'),
      () => 'backup A never took the folder lock',
    );
    const { job: b } = await insertJob(env.db, { kind: 'backup', folder });
    expect(b.id).not.toBe(a.id);
    await enqueue(env.queue, b);
    await waitUntil(
      async () => linesOf(lines, b.id).some((l) => String(l.msg).startsWith('another backup of this folder')),
      () => 'backup B never found the folder busy',
    );
    await cut();
    // Without the watch, A would go on holding a lock that is no longer its own: let it finish
    // then, so that the overlap shows.
    await waitUntil(
      async () =>
        held.aborted() ||
        (await env.db.query<RowDataPacket[]>('SELECT status FROM backup_job WHERE id = ?', [b.id]).then(
          ([r]) => r[0]?.status === 'succeeded',
          () => false,
        )),
      () => 'neither was backup A stopped nor did backup B run',
      60_000,
    );
    held.release();
    const endedA = await env.waitForEnd(a.id, 60_000);
    const endedB = await env.waitForEnd(b.id, 60_000);
    await env.stopWorkers();
    return {
      a: endedA,
      b: endedB,
      aborted: held.aborted(),
      holds: folderLockHolds(lines).filter((h) => h.folder === folder),
    };
  }

  it("stops a backup whose lock's connection was killed, retries it, and never lets another backup of the folder run beside it", async () => {
    const { env, lines } = setup;
    const ended = await lockCutWhileRunning('lock/killed', async () => {
      const [rows] = await env.db.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [
        folderLockName(env.database, 'lock/killed'),
      ]);
      await env.db.query('KILL ?', [rows[0]!.id]);
    });
    expect(overlappingHolds(ended.holds)).toEqual([]);
    expect(ended.aborted).toBe(true);
    expect(ended.a).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(ended.b).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(linesOf(lines, ended.a.id).find((l) => l.msg === 'job failed; it will be retried')).toMatchObject({
      attempt: 1,
      code: 'FOLDER_LOCK_LOST',
    });
    expect(ended.holds.map((h) => h.to !== null)).toEqual([true, true, true]);
    for (const job of [ended.a, ended.b]) expect(await logRows(env, job.id)).toEqual(['Backup SUCCESS']);
  });

  it('stops a backup when MySQL restarts under it, and never lets another backup of the folder run beside it', async () => {
    const { env } = setup;
    const ended = await lockCutWhileRunning('lock/restart', async () => {
      await mariadb.stop();
      await restartMariadb();
    });
    expect(overlappingHolds(ended.holds)).toEqual([]);
    expect(ended.aborted).toBe(true);
    expect(ended.a).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(ended.b).toMatchObject({ status: 'succeeded', attempts: 1 });
    for (const job of [ended.a, ended.b]) expect(await logRows(env, job.id)).toEqual(['Backup SUCCESS']);
    // Two snapshots, one each, and nothing else left in the folder's directory.
    const names = await readdir(path.join(env.config.backupFolder, folderKey('lock/restart')));
    expect(names.sort()).toEqual(
      [
        '.folder.json',
        ...[ended.a, ended.b].flatMap((job) => {
          const name = path.basename((job.result as { snapshot: string }).snapshot);
          return [name, `${name}.manifest.jsonl`];
        }),
      ].sort(),
    );
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

describe('a folder lock', () => {
  const setup = envFor(() => ({ databaseServerUrl: mariadb.url }));

  it('says it is held while the server says so, and is lost once its connection is gone', async () => {
    const { env } = setup;
    const lock = await tryLockFolder(env.db, env.database, 'lock/asked', { watchIntervalMs: 3_600_000 });
    expect(lock).not.toBeNull();
    await lock!.assertHeld();
    expect(lock!.lost.aborted).toBe(false);
    expect(await tryLockFolder(env.db, env.database, 'lock/asked')).toBeNull();
    const [rows] = await env.db.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [
      folderLockName(env.database, 'lock/asked'),
    ]);
    await env.db.query('KILL ?', [rows[0]!.id]);
    const error = await lock!.assertHeld().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FolderLockLostError);
    expect((error as FolderLockLostError).code).toBe('FOLDER_LOCK_LOST');
    expect(lock!.lost.aborted).toBe(true);
    await lock!.release();
    const again = await tryLockFolder(env.db, env.database, 'lock/asked');
    expect(again).not.toBeNull();
    await again!.release();
  });
});
