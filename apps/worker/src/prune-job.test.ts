import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { getJob, insertJob, listLogs } from '@strongbox/db';
import { enqueue } from '@strongbox/queue';
import { initRepository } from '@strongbox/storage';
import { TEST_SCRYPT } from '@strongbox/storage/testing';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repositoryOf } from './repository.js';
import { pruneRunner, RUNNERS } from './runners.js';
import { startWorkerTestEnv, type WorkerTestEnv } from './testing/test-worker.js';

const NOTHING_TO_DO = {
  packsDeleted: 0,
  bytesDeleted: 0,
  packsRepacked: 0,
  bytesRepacked: 0,
  packsWritten: 0,
  bytesWritten: 0,
  packsCondemned: 0,
  blobsCondemned: 0,
  packsRescued: 0,
  packsWaiting: 0,
  runningBackups: 0,
};

/** A logger that calls `onLine` with each line it writes, parsed. */
function watchingLogger(onLine: (line: Record<string, unknown>) => void) {
  return pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        onLine(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    }),
  );
}

describe('prune jobs', () => {
  let dir: string;
  let env: WorkerTestEnv;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'strongbox-prune-jobs-'));
    env = await startWorkerTestEnv({
      env: { REPOSITORY_URL: `file://${dir}/repo`, REPOSITORY_PASSWORD: 'prune-jobs-6619' },
    });
    if (env.config.repository.kind !== 'object') throw new Error('not an object repository');
    await initRepository(env.config.repository, { scrypt: TEST_SCRYPT });
  });
  afterEach(async () => {
    await env?.close();
    if (env) await repositoryOf(env.config, env.db).close();
    await rm(dir, { recursive: true, force: true });
  });

  it('two prunes requested at once on two workers: one runs, the other waits for the repository lease and runs after it', async () => {
    // The first prune to reach its mark stops there until released.
    const entered: string[] = [];
    let reachedMark!: () => void;
    const marked = new Promise<void>((resolve) => {
      reachedMark = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runners = {
      ...RUNNERS,
      prune: pruneRunner({
        at: async (point) => {
          if (point !== 'marked') return;
          entered.push(point);
          if (entered.length === 1) {
            reachedMark();
            await released;
          }
        },
      }),
    };
    let refused!: (jobId: string) => void;
    const waiting = new Promise<string>((resolve) => {
      refused = resolve;
    });
    const logger = watchingLogger((line) => {
      if (line.msg === 'another maintenance job of the repository is running; waiting for it') {
        refused(String(line.jobId));
      }
    });
    await env.startWorker({ runners, logger, folderBusyDelayMs: 50 });
    await env.startWorker({ runners, logger, folderBusyDelayMs: 50 });

    const { job: first } = await insertJob(env.db, { kind: 'prune', folder: '' });
    await enqueue(env.queue, first);
    await marked;
    // The first runs: its queued key is let go, so a second request is a job of its own.
    const { job: second, created } = await insertJob(env.db, { kind: 'prune', folder: '' });
    expect(created).toBe(true);
    await enqueue(env.queue, second);

    expect(await waiting).toBe(second.id);
    // Refused the lease, the second never started: queued, no attempt counted.
    expect(await getJob(env.db, first.id)).toMatchObject({ status: 'running', attempts: 1 });
    expect(await getJob(env.db, second.id)).toMatchObject({ status: 'queued', attempts: 0, startedAt: null });
    expect(entered).toEqual(['marked']);

    release();
    const one = await env.waitForEnd(first.id);
    const two = await env.waitForEnd(second.id);
    expect(one).toMatchObject({ kind: 'prune', folder: '', status: 'succeeded', result: NOTHING_TO_DO });
    expect(two).toMatchObject({ kind: 'prune', folder: '', status: 'succeeded', result: NOTHING_TO_DO });
    expect(entered).toEqual(['marked', 'marked']);
    const logs = await listLogs(env.db, { limit: 10 });
    expect(
      logs.items
        .filter((row) => row.action === 'Prune')
        .map(({ jobId, status, parameter }) => ({ jobId, status, parameter }))
        .sort((a, b) => String(a.jobId).localeCompare(String(b.jobId))),
    ).toEqual([first.id, second.id].sort().map((jobId) => ({ jobId, status: 'SUCCESS', parameter: '' })));
  });
});

describe('a prune job on the local tree', () => {
  let env: WorkerTestEnv;
  beforeEach(async () => {
    env = await startWorkerTestEnv();
  });
  afterEach(async () => {
    await env?.close();
  });

  it('fails with NOT_OBJECT_REPOSITORY, and is logged as a failed Prune', async () => {
    await env.startWorker();
    const { job } = await insertJob(env.db, { kind: 'prune', folder: '' });
    await enqueue(env.queue, job);
    const message =
      'This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): there is no object repository to prune';
    expect(await env.waitForEnd(job.id)).toMatchObject({
      kind: 'prune',
      status: 'failed',
      attempts: 1,
      result: null,
      error: { code: 'NOT_OBJECT_REPOSITORY', message },
    });
    const logs = await listLogs(env.db, { limit: 10 });
    expect(logs.items.filter((row) => row.jobId === job.id)).toMatchObject([
      { action: 'Prune', status: 'FAILED', parameter: '', message: `NOT_OBJECT_REPOSITORY: ${message}` },
    ]);
  });
});
