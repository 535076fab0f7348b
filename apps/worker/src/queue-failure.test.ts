import { insertJob } from '@strongbox/db';
import { QUEUE_NAME } from '@strongbox/queue';
import { Job, QueueEvents, UnrecoverableError } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StrongboxWorker } from './queue-failure.js';
import { RUNNERS } from './runners.js';
import { startWorkerTestEnv, type WorkerTestEnv } from './testing/test-worker.js';

// An absolute path in a stack: `/…` at the start of a location, or a file URL.
const ABSOLUTE = /(^|[\s(])\/[^\s]|file:/m;

describe('what BullMQ stores of a failed job (job.stacktrace and failedReason, read by the dashboard)', () => {
  let env: WorkerTestEnv;
  let events: QueueEvents;
  beforeAll(async () => {
    env = await startWorkerTestEnv();
    events = new QueueEvents(QUEUE_NAME, { connection: env.connection(), prefix: env.config.queuePrefix });
    await events.waitUntilReady();
  });
  afterEach(async () => {
    await env?.stopWorkers();
  });
  afterAll(async () => {
    await events?.close();
    await env?.close();
  });

  // Adds the job with three attempts a few milliseconds apart, waits for the queue to fail it, and
  // answers it as BullMQ stored it.
  async function failInQueue(id: string): Promise<Job> {
    const added = await env.queue.add(
      'backup',
      { id },
      { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 20 } },
    );
    await expect(added.waitUntilFinished(events)).rejects.toThrow();
    const stored = await Job.fromId(env.queue, id);
    if (!stored) throw new Error(`the queue no longer has job ${id}`);
    return stored;
  }

  it("a folder that does not exist (the client's doing): CODE: message, no stack at all", async () => {
    await env.startWorker();
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'leak/missing' });
    const stored = await failInQueue(job.id);
    expect(stored.failedReason).toBe('NO_SUCH_DIRECTORY: No such directory: leak/missing');
    expect(stored.stacktrace).toEqual([]);
    expect(stored.attemptsMade).toBe(1);
  });

  it('an internal failure carrying a data path: a fixed reason, and each stack relative to the install root', async () => {
    await env.makeFolder('leak/internal', { 'a.txt': 'alpha' });
    const dataPath = `${env.config.sourceRoot}/leak/internal/a.txt`;
    await env.startWorker({
      runners: {
        ...RUNNERS,
        backup: async () => {
          throw Object.assign(new Error(`ENOENT: no such file or directory, open '${dataPath}'`), {
            code: 'ENOENT',
          });
        },
      },
    });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'leak/internal' });
    const stored = await failInQueue(job.id);
    expect(stored.failedReason).toBe('INTERNAL: The job failed unexpectedly; see the worker log');
    expect(stored.attemptsMade).toBe(3);
    // One stack per attempt: the two retried ones, then the last, which ended the job.
    const reason = 'INTERNAL: The job failed unexpectedly; see the worker log';
    const stacks = stored.stacktrace ?? [];
    expect(stacks.map((stack) => stack.split('\n')[0])).toEqual([
      `Error: ${reason}`,
      `Error: ${reason}`,
      `UnrecoverableError: ${reason}`,
    ]);
    for (const stack of stacks) {
      expect(stack).not.toMatch(ABSOLUTE);
      expect(stack).not.toContain(env.config.sourceRoot);
      expect(stack).not.toContain('ENOENT');
      // The frame where it failed, named from the install root.
      expect(stack.split('\n')[1]).toMatch(
        /^ {4}at .*\(?apps\/worker\/src\/queue-failure\.test\.ts:\d+:\d+\)?$/,
      );
    }
  });

  it('keeps no absolute path in an error BullMQ makes itself (a job stalled too often), nor in any other', async () => {
    const worker = new StrongboxWorker(QUEUE_NAME, null, {
      connection: env.connection(),
      prefix: env.config.queuePrefix,
    });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'leak/stalled' });
    await env.queue.add('backup', { id: job.id }, { jobId: job.id, attempts: 1 });
    try {
      const token = 'test-token';
      const taken = await worker.getNextJob(token);
      expect(taken?.id).toBe(job.id);
      await taken?.moveToFailed(new UnrecoverableError('job stalled more than allowable limit'), token);
    } finally {
      await worker.close();
    }
    const stored = await Job.fromId(env.queue, job.id);
    expect(stored?.failedReason).toBe('job stalled more than allowable limit');
    expect(stored?.stacktrace).toHaveLength(1);
    const [stack] = stored?.stacktrace ?? [];
    expect(stack).not.toMatch(ABSOLUTE);
    expect(stack?.startsWith('UnrecoverableError: job stalled more than allowable limit\n    at ')).toBe(
      true,
    );
    expect(stack).toContain('apps/worker/src/queue-failure.test.ts:');
  });
});
