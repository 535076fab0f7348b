import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, type Stack, startStack, stopChild, waitFor, waitForJob } from './stack.js';
import { expectSameTree } from './tree.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ workers: 1 });
});

afterAll(async () => {
  await stack?.stop();
});

describe('a worker killed in the middle of a backup', () => {
  it('loses nothing: another worker finishes the job, once, and no partial snapshot is left', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20_000; i++) files[`d${i % 100}/f${i}.bin`] = String(i).repeat(200);
    const root = await makeFolder(stack, 'crash', files);
    const posted = await call(stack, 'POST', '/backups', { folder: 'crash' });

    await waitFor(
      async () => {
        const job = (await call(stack, 'GET', `/backups/${posted.body.id}`)).body;
        return job.status === 'running' && job.progress.filesDone > 0;
      },
      60_000,
      () => `the backup never showed progress:\n${stack.output()}`,
    );
    const [victim] = stack.workers;
    await stopChild(victim!, 'SIGKILL');
    expect((await call(stack, 'GET', `/backups/${posted.body.id}`)).body.status).toBe('running');

    // The queue notices the dead worker's expired lock and hands the job to the new one.
    await stack.addWorker();
    const job = await waitForJob(stack, posted.body.id, 150_000);
    expect(job.status, stack.output()).toBe('succeeded');
    expect(job.attempts).toBe(2);
    expect(job.result.files).toBe(20_000);
    await expectSameTree(path.join(stack.backupFolder, job.result.snapshot), root);

    const entries = await readdir(path.join(stack.backupFolder, 'crash'));
    expect(entries.filter((name) => name.startsWith('.staging'))).toEqual([]);
    expect(entries.filter((name) => !name.startsWith('.') && !name.includes('manifest'))).toHaveLength(1);

    const [rows] = await stack.db.query<RowDataPacket[]>('SELECT status FROM log WHERE job_id = ?', [job.id]);
    expect(rows.map((row) => row.status)).toEqual(['SUCCESS']);
  }, 240_000);
});
