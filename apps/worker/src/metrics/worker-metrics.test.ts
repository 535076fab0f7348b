import { Writable } from 'node:stream';
import { insertJob } from '@strongbox/db';
import { sample } from '@strongbox/metrics/testing';
import { enqueue } from '@strongbox/queue';
import { checkPromtool, runPromtool } from '@strongbox/services/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerTestEnv, type WorkerTestEnv, waitUntil } from '../testing/test-worker.js';
import { startWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';

const promtool = checkPromtool({ ci: process.env.CI === 'true' });
if (!promtool.run) console.warn(promtool.reason);

describe("a worker's metrics", () => {
  let env: WorkerTestEnv;
  let metrics: WorkerMetrics;
  beforeAll(async () => {
    env = await startWorkerTestEnv();
    metrics = await startWorkerMetrics(env.config, env.db, 0);
    await env.startWorker({ metrics: metrics.jobs });
  });
  afterAll(async () => {
    await metrics?.close();
    await env?.close();
  });

  const scrape = async () => {
    const response = await fetch(metrics.url);
    expect(response.status).toBe(200);
    return response.text();
  };
  // MySQL has the job ended a moment before BullMQ reports it completed, which the metrics follow.
  const scrapeWhen = async (ready: (text: string) => boolean) => {
    let text = '';
    await waitUntil(
      async () => {
        text = await scrape();
        return ready(text);
      },
      () => `the metrics did not move:\n${text}`,
    );
    return text;
  };
  const run = async (folder: string) => {
    const { job } = await insertJob(env.db, { kind: 'backup', folder });
    await enqueue(env.queue, job);
    return env.waitForEnd(job.id);
  };
  const count = (text: string, outcome: string) =>
    sample(text, 'strongbox_job_duration_seconds_count', { kind: 'backup', outcome }) ?? 0;

  it('count a backup: one attempt succeeded, its files and bytes copied, then linked the next time', async () => {
    await env.makeFolder('measured', { 'a.txt': 'hello', 'sub/b.txt': 'world!!' });
    const before = await scrape();
    const first = await run('measured');
    expect(first.status).toBe('succeeded');
    const after = await scrapeWhen((text) => count(text, 'succeeded') > count(before, 'succeeded'));
    expect(count(after, 'succeeded')).toBe(count(before, 'succeeded') + 1);
    expect(sample(after, 'strongbox_backup_files_total', { how: 'copied' })).toBe(2);
    expect(sample(after, 'strongbox_backup_bytes_total', { how: 'copied' })).toBe(12);
    expect(sample(after, 'strongbox_backup_files_total', { how: 'linked' })).toBe(0);
    expect(sample(after, 'strongbox_backup_last_success_timestamp_seconds')).toBe(
      new Date(first.finishedAt ?? '').getTime() / 1000,
    );

    const second = await run('measured');
    const again = await scrapeWhen((text) => count(text, 'succeeded') > count(after, 'succeeded'));
    expect(sample(again, 'strongbox_backup_files_total', { how: 'copied' })).toBe(2);
    expect(sample(again, 'strongbox_backup_files_total', { how: 'linked' })).toBe(2);
    expect(sample(again, 'strongbox_backup_bytes_total', { how: 'linked' })).toBe(12);
    expect(sample(again, 'strongbox_backup_last_success_timestamp_seconds')).toBe(
      new Date(second.finishedAt ?? '').getTime() / 1000,
    );
  });

  it('count a backup that failed for good as failed, with no files', async () => {
    const before = await scrape();
    expect((await run('no/such/folder')).error?.code).toBe('NO_SUCH_DIRECTORY');
    const after = await scrapeWhen((text) => count(text, 'failed') > count(before, 'failed'));
    expect(count(after, 'failed')).toBe(count(before, 'failed') + 1);
    expect(count(after, 'succeeded')).toBe(count(before, 'succeeded'));
    expect(sample(after, 'strongbox_backup_files_total', { how: 'copied' })).toBe(
      sample(before, 'strongbox_backup_files_total', { how: 'copied' }),
    );
  });

  it('have no label per folder', async () => {
    expect(await scrape()).not.toContain('measured');
  });

  it.runIf(promtool.run)('pass promtool check metrics', async () => {
    const checked = await runPromtool(
      promtool.run ? promtool.path : '',
      ['check', 'metrics'],
      await scrape(),
    );
    expect(checked).toEqual({ code: 0, output: '' });
  });
});

describe("a worker's metrics endpoint with tokens", () => {
  let env: WorkerTestEnv;
  let metrics: WorkerMetrics;
  beforeAll(async () => {
    env = await startWorkerTestEnv();
    metrics = await startWorkerMetrics(
      { ...env.config, apiTokens: ['api-token'], metricsToken: 'scrape-token' },
      env.db,
      0,
    );
  });
  afterAll(async () => {
    await metrics?.close();
    await env?.close();
  });

  it('follows the API’s rule: 401 without a token, 200 with METRICS_TOKEN or an API token', async () => {
    const none = await fetch(metrics.url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(metrics.url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    for (const token of ['scrape-token', 'api-token']) {
      expect((await fetch(metrics.url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    }
    expect((await fetch(metrics.url.replace('/metrics', '/other'))).status).toBe(404);
  });
});

describe("a worker's log", () => {
  let env: WorkerTestEnv;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    env = await startWorkerTestEnv();
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    await env.startWorker({ logger: pino({ level: 'trace' }, stream) });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('puts the job id on every line about a job', async () => {
    await env.makeFolder('logged', { 'a.txt': 'a' });
    lines.length = 0;
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'logged' });
    await enqueue(env.queue, job);
    await env.waitForEnd(job.id);
    const failed = await insertJob(env.db, { kind: 'backup', folder: 'logged/none' });
    await enqueue(env.queue, failed.job);
    await env.waitForEnd(failed.job.id);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect([job.id, failed.job.id], JSON.stringify(line)).toContain(line.jobId);
  });
});
