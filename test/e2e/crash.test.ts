import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { connectRedis, QUEUE_NAME } from '@strongbox/queue';
import { QueueEvents } from 'bullmq';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, type Stack, startStack, stopChild, waitForJob } from './stack.js';
import { expectSameTree } from './tree.js';

const FILES = 2_000;

let stack: Stack;
let events: QueueEvents;

beforeAll(async () => {
  stack = await startStack({ workers: 1 });
  // The queue's events: the worker publishes a job's progress there as it records it in MySQL.
  events = new QueueEvents(QUEUE_NAME, {
    connection: connectRedis(stack.env.REDIS_URL!, 'worker'),
    prefix: stack.env.QUEUE_PREFIX!,
  });
  await events.waitUntilReady();
});

afterAll(async () => {
  await events?.close();
  await stack?.stop();
});

describe('a worker killed in the middle of a backup', () => {
  it('loses nothing: another worker finishes the job, once, and no partial snapshot is left', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < FILES; i++) files[`d${i % 100}/f${i}.bin`] = String(i).repeat(200);
    const root = await makeFolder(stack, 'crash', files);
    const [victim] = stack.workers;

    // The worker is killed as soon as it has published the backup's first progress, the moment
    // its copy has begun: no poll, no clock. Events are kept by job, as one may come before the
    // POST's answer.
    const progressed = new Map<string, () => void>();
    const seen = new Set<string>();
    events.on('progress', ({ jobId }) => {
      seen.add(jobId);
      progressed.get(jobId)?.();
    });
    const posted = await call(stack, 'POST', '/backups', { folder: 'crash' });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    await new Promise<void>((resolve) => {
      if (seen.has(posted.body.id)) resolve();
      else progressed.set(posted.body.id, resolve);
    });
    await stopChild(victim!, 'SIGKILL');

    // Killed mid-copy: the job is still running, and its staging folder is there, partly written.
    expect((await call(stack, 'GET', `/backups/${posted.body.id}`)).body.status).toBe('running');
    const left = await readdir(path.join(stack.backupFolder, 'crash'));
    expect(left.filter((name) => name.startsWith('.staging'))).toHaveLength(1);

    // The queue notices the dead worker's expired lock and hands the job to the new one.
    await stack.addWorker();
    const job = await waitForJob(stack, posted.body.id, 150_000);
    expect(job.status, stack.output()).toBe('succeeded');
    expect(job.attempts).toBe(2);
    expect(job.result.files).toBe(FILES);
    await expectSameTree(path.join(stack.backupFolder, job.result.snapshot), root);

    const entries = await readdir(path.join(stack.backupFolder, 'crash'));
    expect(entries.filter((name) => name.startsWith('.staging'))).toEqual([]);
    expect(entries.filter((name) => !name.startsWith('.') && !name.includes('manifest'))).toHaveLength(1);

    const [rows] = await stack.db.query<RowDataPacket[]>('SELECT status FROM log WHERE job_id = ?', [job.id]);
    expect(rows.map((row) => row.status)).toEqual(['SUCCESS']);
  }, 240_000);
});
