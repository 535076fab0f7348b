import { connectRedis, createQueue } from '@strongbox/queue';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeFolder, type Stack, startStack, stopChild, waitFor } from './stack.js';

// The API holds each batch of committed jobs before Queue.addBulk (STRONGBOX_TEST_HOLD_AFTER_COMMIT,
// apps/api/src/main.ts) and says so in its log: the test kills it there.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ workers: 0, env: { STRONGBOX_TEST_HOLD_AFTER_COMMIT: '1' } });
});

afterAll(async () => {
  await stack?.stop();
});

describe('an API killed after it committed a batch of jobs and before it queued them', () => {
  it('loses none: the jobs are queued in MySQL, not in Redis, and the worker that starts next queues and runs each once', async () => {
    await makeFolder(stack, 'held/a', { 'a.txt': 'a' });
    await makeFolder(stack, 'held/b', { 'b.txt': 'b' });
    // The answers never come: the API is killed while it holds them.
    const posts = ['held/a', 'held/b'].map((folder) =>
      fetch(`${stack.url}/backups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ folder }),
      }).then(
        (response) => response.status,
        () => 'no answer',
      ),
    );
    const held = () =>
      stack
        .output()
        .split('\n')
        .filter((line) => line.includes('test hook: jobs committed, held before the queue'))
        .flatMap((line) => JSON.parse(line.slice(line.indexOf('{'))).jobIds as string[]);
    await waitFor(
      async () => held().length === 2,
      30_000,
      () => `the API never held two committed jobs:\n${stack.output()}`,
    );
    await stopChild(stack.api, 'SIGKILL');
    expect(await Promise.all(posts)).toEqual(['no answer', 'no answer']);

    const ids = held().sort();
    const [queued] = await stack.db.query<RowDataPacket[]>(
      "SELECT id, CONVERT(folder USING utf8mb4) AS folder FROM backup_job WHERE status = 'queued' ORDER BY id",
    );
    expect(queued.map((row) => row.id)).toEqual(ids);
    expect(queued.map((row) => row.folder).sort()).toEqual(['held/a', 'held/b']);
    const redis = connectRedis(inject('redisUrl'), 'producer');
    const queue = createQueue({ connection: redis, prefix: stack.env.QUEUE_PREFIX ?? '' });
    try {
      for (const id of ids) expect(await queue.getJob(id)).toBeUndefined();
    } finally {
      await queue.close();
      redis.disconnect();
    }

    // A worker's reconciler, at its start, queues the jobs MySQL has queued and Redis lacks.
    await stack.addWorker();
    const ended = async () => {
      const [rows] = await stack.db.query<RowDataPacket[]>(
        'SELECT id, status, attempts FROM backup_job ORDER BY id',
      );
      return rows;
    };
    await waitFor(
      async () => (await ended()).every((row) => row.status === 'succeeded'),
      60_000,
      () => `the held jobs did not succeed:\n${stack.output()}`,
    );
    expect(await ended()).toEqual(ids.map((id) => ({ id, status: 'succeeded', attempts: 1 })));
    const requeued = stack.workerLogs().filter((line) => line.msg === 'reconciled jobs with the queue');
    expect(requeued.map((line) => (line.requeued as string[]).sort())).toEqual([ids]);
  }, 120_000);
});
