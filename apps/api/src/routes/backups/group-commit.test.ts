import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobBatches } from '../../lib/job-batches.js';
import { IDEMPOTENCY_KEY_REUSED_ANSWER } from '../../testing/answers.js';
import { holdJobCounts, lockWaits, startTestApp, type TestApp } from '../../testing/test-app.js';

// Each batch of new jobs the app commits, as the ids it hands to the queue.
const batches: string[][] = [];
let t: TestApp;
let blocker: { release(): Promise<void> } | null = null;

beforeAll(async () => {
  t = await startTestApp({
    afterJobsCommitted: async (jobs) => {
      batches.push(jobs.map((job) => job.id).sort());
    },
  });
});

afterEach(async () => {
  await blocker?.release();
  blocker = null;
});

afterAll(async () => {
  await t?.close();
});

function post(folder: string, key?: string) {
  return t.app.inject({
    method: 'POST',
    url: '/backups',
    payload: { folder },
    headers: key === undefined ? {} : { 'idempotency-key': key },
  });
}

async function count(sql: string): Promise<number> {
  const [rows] = await t.db.query(sql);
  return Number((rows as { n: number }[])[0]?.n);
}

describe('group commit', () => {
  it('records the requests that come while a batch is being recorded together in the next transaction, queues them together, and answers each as if it had come alone', async () => {
    // The first request's batch waits for the job counts a transaction of the test holds; the
    // requests that come meanwhile wait for that batch, and are the next one.
    blocker = await holdJobCounts(t.db);
    const lone = post('gc/lone');
    await lockWaits(t.db, 1);
    const next = [
      post('gc/a', 'key-1'),
      post('gc/a', 'key-1'), // the same request with the same key: the same job
      post('gc/b'),
      post('gc/b'), // a second backup of a folder queued in the same batch: the first's job
      post('gc/c', 'key-1'), // the same key for another folder: refused, alone
      post('gc/lone'), // a folder whose backup the batch before queued: that job
      post('gc/d'),
    ];
    await vi.waitFor(() => expect(t.app.jobBatches.waiting()).toBe(7));
    await blocker.release();

    const first = await lone;
    type Answer = Awaited<ReturnType<typeof post>>;
    const [a, aAgain, b, bAgain, reused, loneAgain, d] = (await Promise.all(next)) as [
      Answer,
      Answer,
      Answer,
      Answer,
      Answer,
      Answer,
      Answer,
    ];
    for (const response of [first, a, aAgain, b, bAgain, loneAgain, d]) {
      expect(response.statusCode).toBe(202);
      expect(response.headers.location).toBe(`/backups/${response.json().id}`);
      expect(response.json()).toMatchObject({ kind: 'backup', status: 'queued', attempts: 0 });
    }
    expect(aAgain.json()).toEqual(a.json());
    expect(bAgain.json()).toEqual(b.json());
    expect(loneAgain.json()).toEqual(first.json());
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toEqual(IDEMPOTENCY_KEY_REUSED_ANSWER);

    // Two transactions: the lone request's, then one for the seven, of which three were new.
    const ids = [a, b, d].map((response) => response.json().id as string);
    expect(batches).toEqual([[first.json().id], [...ids].sort()]);
    for (const id of [first.json().id, ...ids]) expect(await t.queue.getJob(id)).toBeDefined();
    expect(await count('SELECT COUNT(*) AS n FROM backup_job')).toBe(4);
    expect(await count("SELECT COUNT(*) AS n FROM backup_job WHERE folder = 'gc/c'")).toBe(0);
    const stats = (await t.app.inject({ method: 'GET', url: '/stats' })).json();
    expect(stats.backups).toMatchObject({ total: 4, queued: 4 });
    const [folders] = await t.db.query(
      'SELECT CONVERT(folder USING utf8mb4) AS folder FROM folder_summary ORDER BY folder',
    );
    expect((folders as { folder: string }[]).map((row) => row.folder)).toEqual([
      'gc/a',
      'gc/b',
      'gc/d',
      'gc/lone',
    ]);
  });

  it('records a request that comes while no batch is being recorded at once, alone, and answers it once queued', async () => {
    const before = batches.length;
    const recording = t.app.jobBatches.record({ input: { kind: 'backup', folder: 'gc/alone' } });
    // Taken into a batch of its own before anything else could come: nothing waits.
    expect(t.app.jobBatches.waiting()).toBe(0);
    const { job, created } = await recording;
    expect(created).toBe(true);
    expect(batches.slice(before)).toEqual([[job.id]]);
    expect((await t.queue.getJob(job.id))?.data).toEqual({ id: job.id, folder: 'gc/alone' });
  });

  it('records at most maxBatch requests in one transaction, the rest in the next ones, in order', async () => {
    const sizes: number[] = [];
    const batcher = jobBatches({
      db: t.db,
      queue: t.queue,
      maxBatch: 2,
      afterCommit: async (jobs) => {
        sizes.push(jobs.length);
      },
    });
    blocker = await holdJobCounts(t.db);
    const folders = ['max/0', 'max/1', 'max/2', 'max/3', 'max/4', 'max/5'];
    const first = batcher.record({ input: { kind: 'backup', folder: 'max/0' } });
    await lockWaits(t.db, 1);
    const rest = folders.slice(1).map((folder) => batcher.record({ input: { kind: 'backup', folder } }));
    expect(batcher.waiting()).toBe(5);
    await blocker.release();
    const recorded = await Promise.all([first, ...rest]);
    expect(recorded.map((inserted) => [inserted.job.folder, inserted.created])).toEqual(
      folders.map((folder) => [folder, true]),
    );
    expect(sizes).toEqual([1, 2, 2, 1]);
  });
});
