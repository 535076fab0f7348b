import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JOB_KINDS } from '@strongbox/contract';
import { finishJob, getJob, insertJob, startJob } from '@strongbox/db';
import { EngineError } from '@strongbox/engine';
import { enqueue, QUEUE_NAME } from '@strongbox/queue';
import { UnrecoverableError, Worker } from 'bullmq';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterFailure } from './failure.js';
import { tryLockFolder } from './folder-lock.js';
import { WORKER_LOST_MESSAGE } from './lost-job.js';
import { reconcile } from './reconciler.js';
import { RUNNERS, type Runners } from './runners.js';
import { capturingLogger } from './testing/capturing-logger.js';
import { startWorkerTestEnv, type WorkerTestEnv, waitUntil } from './testing/test-worker.js';

type LogRow = { action: string; status: string; message: string | null };

async function logRows(env: WorkerTestEnv, jobId: string): Promise<LogRow[]> {
  const [rows] = await env.db.query<RowDataPacket[]>(
    'SELECT action, status, message FROM log WHERE job_id = ? ORDER BY id',
    [jobId],
  );
  return rows as LogRow[];
}

describe('the retry-or-give-up decision', () => {
  it('retries a transient failure while the queue allows another attempt', () => {
    const transient = { code: 'IO_ERROR', message: 'busy', transient: true, clientError: false };
    expect(afterFailure(transient, 0, 5)).toBe('retry');
    expect(afterFailure(transient, 3, 5)).toBe('retry');
    expect(afterFailure(transient, 4, 5)).toBe('give-up');
    expect(afterFailure(transient, 0, 1)).toBe('give-up');
  });

  it('gives up at once on a failure no retry mends', () => {
    const lasting = {
      code: 'NO_SUCH_DIRECTORY',
      message: 'No such directory: x',
      transient: false,
      clientError: true,
    };
    expect(afterFailure(lasting, 0, 5)).toBe('give-up');
  });
});

describe('the runners', () => {
  it('have exactly one runner per kind of job', () => {
    expect(Object.keys(RUNNERS).sort()).toEqual([...JOB_KINDS].sort());
  });
});

describe('a worker in this process', () => {
  let env: WorkerTestEnv;
  beforeAll(async () => {
    env = await startWorkerTestEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  // A backup runner whose first `failures` attempts meet a disk that does not answer.
  function flakyBackup(failures: number): { runners: Runners; calls: () => number } {
    let calls = 0;
    return {
      calls: () => calls,
      runners: {
        ...RUNNERS,
        backup: async (job, context) => {
          calls++;
          if (calls <= failures) {
            throw new EngineError('IO_ERROR', 'The disk did not answer', { transient: true });
          }
          return RUNNERS.backup(job, context);
        },
      },
    };
  }

  // Three attempts a few milliseconds apart, so that retries do not wait for the default backoff.
  async function addWithAttempts(id: string, attempts: number): Promise<void> {
    await env.queue.add('backup', { id }, { jobId: id, attempts, backoff: { type: 'fixed', delay: 20 } });
  }

  it('retries a transient failure and records the attempt that succeeds, once', async () => {
    await env.makeFolder('retry/ok', { 'a.txt': 'alpha' });
    const flaky = flakyBackup(1);
    await env.startWorker({ runners: flaky.runners });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'retry/ok' });
    await addWithAttempts(job.id, 3);
    const ended = await env.waitForEnd(job.id);
    expect(ended).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    expect(ended.result).toMatchObject({ files: 1, bytes: 5, copiedFiles: 1 });
    expect(flaky.calls()).toBe(2);
    expect(await logRows(env, job.id)).toEqual([{ action: 'Backup', status: 'SUCCESS', message: null }]);
    await env.stopWorkers();
  });

  it('gives up on a transient failure after the last attempt the queue allows', async () => {
    await env.makeFolder('retry/never', { 'a.txt': 'alpha' });
    const flaky = flakyBackup(Number.POSITIVE_INFINITY);
    await env.startWorker({ runners: flaky.runners });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'retry/never' });
    await addWithAttempts(job.id, 3);
    const ended = await env.waitForEnd(job.id);
    expect(ended).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'IO_ERROR', message: 'The disk did not answer' },
    });
    expect(flaky.calls()).toBe(3);
    expect(await logRows(env, job.id)).toEqual([
      { action: 'Backup', status: 'FAILED', message: 'IO_ERROR: The disk did not answer' },
    ]);
    await waitUntil(
      async () => (await env.queue.getJobState(job.id)) === 'failed',
      () => 'the queue never failed the job',
    );
    await env.stopWorkers();
  });

  it('fails at once, without retrying, on a failure no retry mends', async () => {
    await env.startWorker();
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'retry/missing' });
    await addWithAttempts(job.id, 3);
    const ended = await env.waitForEnd(job.id);
    expect(ended).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'NO_SUCH_DIRECTORY', message: 'No such directory: retry/missing' },
    });
    await waitUntil(
      async () => (await env.queue.getJob(job.id))?.failedReason !== undefined,
      () => 'the queue never failed the job',
    );
    expect((await env.queue.getJob(job.id))?.attemptsMade).toBe(1);
    await env.stopWorkers();
  });

  it('skips a job cancelled while it waited in the queue: it stays cancelled, never started, one row', async () => {
    await env.makeFolder('cancel/me', { 'a.txt': 'alpha' });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'cancel/me' });
    await enqueue(env.queue, job);
    await finishJob(env.db, job.id, {
      status: 'cancelled',
      error: { code: 'CANCELLED', message: 'Cancelled at the request of a client before it started' },
    });
    await env.startWorker();
    await waitUntil(
      async () => (await env.queue.getJobState(job.id)) === 'completed',
      () => 'the worker never took the cancelled job off the queue',
    );
    expect((await env.queue.getJob(job.id))?.returnvalue).toEqual({ skipped: true });
    expect(await env.waitForEnd(job.id)).toMatchObject({
      status: 'cancelled',
      attempts: 0,
      worker: null,
      startedAt: null,
      result: null,
      error: { code: 'CANCELLED' },
    });
    expect(await logRows(env, job.id)).toEqual([
      {
        action: 'Backup',
        status: 'FAILED',
        message: 'CANCELLED: Cancelled at the request of a client before it started',
      },
    ]);
    await env.stopWorkers();
  });

  it('keeps a backup waiting while another holds its folder, then runs it once the lock is free', async () => {
    await env.makeFolder('busy', { 'a.txt': 'alpha' });
    const lock = await tryLockFolder(env.db, 'busy');
    expect(lock).not.toBeNull();
    await env.startWorker({ folderBusyDelayMs: 50 });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'busy' });
    await enqueue(env.queue, job);
    // Taken and put back at least twice: the worker saw the job and left it waiting.
    await waitUntil(
      async () => ((await env.queue.getJob(job.id))?.attemptsStarted ?? 0) >= 2,
      () => 'the worker never took the job',
    );
    expect(await getJob(env.db, job.id)).toMatchObject({ status: 'queued', attempts: 0, startedAt: null });
    await lock?.release();
    expect(await env.waitForEnd(job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await logRows(env, job.id)).toEqual([{ action: 'Backup', status: 'SUCCESS', message: null }]);
    await env.stopWorkers();
  });

  it('runs verify and restore with their runners, and fails a restore into an existing target or outside', async () => {
    await env.makeFolder('kinds/src', { 'a.txt': 'alpha', 'sub/b.txt': 'beta' });
    await env.startWorker();
    const { job: backup } = await insertJob(env.db, { kind: 'backup', folder: 'kinds/src' });
    await enqueue(env.queue, backup);
    const done = await env.waitForEnd(backup.id);
    if (done.kind !== 'backup' || done.result === null)
      throw new Error(`the backup failed: ${done.error?.code}`);
    const snapshot = done.result.snapshot;

    const { job: verify } = await insertJob(env.db, {
      kind: 'verify',
      folder: 'kinds/src',
      params: { backupId: backup.id },
    });
    await enqueue(env.queue, verify);
    const verified = await env.waitForEnd(verify.id);
    expect(verified).toMatchObject({ status: 'succeeded', result: { snapshot, files: 2, bytes: 9 } });
    expect(Object.keys(verified.result ?? {})).toEqual(['snapshot', 'files', 'bytes', 'durationMs']);

    const restore = async (target: string) => {
      const { job } = await insertJob(env.db, {
        kind: 'restore',
        folder: 'kinds/src',
        params: { backupId: backup.id, target, path: 'sub' },
      });
      await enqueue(env.queue, job);
      return env.waitForEnd(job.id);
    };
    const restored = await restore('kinds/restored');
    expect(restored).toMatchObject({
      status: 'succeeded',
      result: { snapshot, path: 'sub', target: 'kinds/restored', files: 1, bytes: 4 },
    });
    const again = await restore('kinds/restored');
    expect(again).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'TARGET_EXISTS' } });

    // A target through a symlink that leads outside SOURCE_ROOT: refused, and nothing written there.
    const outside = await mkdtemp(path.join(tmpdir(), 'strongbox-outside-'));
    try {
      await symlink(outside, path.join(env.config.sourceRoot, 'outlink'));
      const escaped = await restore('outlink/restored');
      expect(escaped).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { code: 'OUTSIDE_SOURCE_ROOT' },
      });
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
    await env.stopWorkers();
  });
});

/** A worker that takes a job, does `first` and then never finishes it nor renews its lock. */
function stallingWorker(env: WorkerTestEnv, first: () => unknown): Worker {
  return new Worker(
    QUEUE_NAME,
    async () => {
      await first();
      await new Promise(() => undefined);
    },
    {
      connection: env.connection(),
      prefix: env.config.queuePrefix,
      lockDuration: 500,
      skipLockRenewal: true,
      skipStalledCheck: true,
    },
  );
}

// A queue of its own: BullMQ looks for stalled jobs at most once per stalledInterval per queue, as
// the slowest worker on it set it, and this test shortens it.
describe('a worker that dies with its job', () => {
  let env: WorkerTestEnv;
  beforeAll(async () => {
    env = await startWorkerTestEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('is recorded as WORKER_LOST, once, when the queue gives up on it', async () => {
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'lost/stalled' });
    // A worker that takes the job and dies with it: it never finishes nor renews its lock.
    const dying = stallingWorker(env, () => undefined);
    await enqueue(env.queue, job);
    await waitUntil(
      async () => (await env.queue.getJobState(job.id)) === 'active',
      () => 'the dying worker never took the job',
    );
    await dying.close(true);
    await env.startWorker({ stalls: { lockDurationMs: 1_000, stalledIntervalMs: 200, maxStalledCount: 0 } });
    const ended = await env.waitForEnd(job.id);
    expect(ended).toMatchObject({
      status: 'failed',
      attempts: 0,
      error: { code: 'WORKER_LOST', message: WORKER_LOST_MESSAGE },
    });
    expect(await logRows(env, job.id)).toEqual([
      { action: 'Backup', status: 'FAILED', message: `WORKER_LOST: ${WORKER_LOST_MESSAGE}` },
    ]);
    await env.stopWorkers();
  });
});

// A queue of its own, as above.
describe('a job handed on after its worker stalled', () => {
  const { logger, lines } = capturingLogger();
  let env: WorkerTestEnv;
  beforeAll(async () => {
    env = await startWorkerTestEnv({ logger });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('is logged with the attempt MySQL counts, not the one the queue counts', async () => {
    await env.makeFolder('stalled/handed-on', { 'a.txt': 'alpha' });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'stalled/handed-on' });
    // A worker that starts the job in MySQL (its attempt 1) and then stalls for good.
    let started = false;
    const stalling = stallingWorker(env, async () => {
      await startJob(env.db, job.id, 'stalled:1');
      started = true;
    });
    await enqueue(env.queue, job);
    await waitUntil(
      async () => started,
      () => 'the stalling worker never started the job',
    );
    await stalling.close(true);
    await env.startWorker({ stalls: { lockDurationMs: 1_000, stalledIntervalMs: 200, maxStalledCount: 1 } });
    expect(await env.waitForEnd(job.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    await waitUntil(
      async () => (await env.queue.getJobState(job.id)) === 'completed',
      () => 'the queue never completed the job',
    );
    // The queue handed it on without counting an attempt made: one in all, the one that completed.
    expect((await env.queue.getJob(job.id))?.attemptsMade).toBe(1);
    const attempts = lines
      .filter(
        (l) =>
          l.jobId === job.id && ['job started', 'folder lock taken', 'job succeeded'].includes(String(l.msg)),
      )
      .map((l) => [l.msg, l.attempt]);
    expect(attempts).toEqual([
      ['folder lock taken', 2],
      ['job started', 2],
      ['job succeeded', 2],
    ]);
    await env.stopWorkers();
  });
});

describe('the reconciler', () => {
  let env: WorkerTestEnv;
  beforeAll(async () => {
    env = await startWorkerTestEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('runs at once when a worker starts, and adds even a job recorded a moment ago', async () => {
    await env.makeFolder('requeue/at-start', { 'a.txt': 'alpha' });
    // Recorded, never enqueued (as when Redis was down when the API took it), and not a second old.
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'requeue/at-start' });
    // The periodic pass is an hour apart in these tests: only the pass at start can add it.
    await env.startWorker();
    expect(await env.waitForEnd(job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    await env.stopWorkers();
  });

  it("has ended its pass at start once the worker's `reconciled` resolves: a job recorded before is in the queue then", async () => {
    await env.makeFolder('requeue/before-start', { 'a.txt': 'alpha' });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'requeue/before-start' });
    const worker = await env.startWorker();
    await worker.reconciled;
    const queued = await env.queue.getJob(job.id);
    expect(queued?.data).toEqual({ id: job.id, folder: 'requeue/before-start' });
    expect(await env.waitForEnd(job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    await env.stopWorkers();
  });

  it('adds a job MySQL calls queued but the queue does not hold', async () => {
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'requeue/me' });
    const report = await reconcile({ db: env.db, queue: env.queue, logger: env.logger, graceSeconds: 0 });
    expect(report).toEqual({ requeued: [job.id], lost: [] });
    const queued = await env.queue.getJob(job.id);
    expect({ name: queued?.name, data: queued?.data }).toEqual({
      name: 'backup',
      data: { id: job.id, folder: 'requeue/me' },
    });
    await env.queue.remove(job.id);
    await finishJob(env.db, job.id, { status: 'cancelled', error: { code: 'CANCELLED', message: 'done' } });
  });

  it('records a job the queue failed while MySQL calls it running as WORKER_LOST, once', async () => {
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'lost/reconciled' });
    await startJob(env.db, job.id, 'gone:1');
    const failing = new Worker(
      QUEUE_NAME,
      async () => {
        throw new UnrecoverableError('the process running it was killed');
      },
      { connection: env.connection(), prefix: env.config.queuePrefix },
    );
    await enqueue(env.queue, job);
    await waitUntil(
      async () => (await env.queue.getJobState(job.id)) === 'failed',
      () => 'the queue never failed the job',
    );
    await failing.close();

    const report = await reconcile({ db: env.db, queue: env.queue, logger: env.logger, graceSeconds: 0 });
    expect(report).toEqual({ requeued: [], lost: [job.id] });
    const again = await reconcile({ db: env.db, queue: env.queue, logger: env.logger, graceSeconds: 0 });
    expect(again).toEqual({ requeued: [], lost: [] });
    expect(await getJob(env.db, job.id)).toMatchObject({
      status: 'failed',
      error: { code: 'WORKER_LOST', message: WORKER_LOST_MESSAGE },
    });
    expect(await logRows(env, job.id)).toEqual([
      { action: 'Backup', status: 'FAILED', message: `WORKER_LOST: ${WORKER_LOST_MESSAGE}` },
    ]);
  });
});
