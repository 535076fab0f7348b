import { readFile } from 'node:fs/promises';
import { sample } from '@strongbox/metrics/testing';
import { connectRedis, QUEUE_NAME } from '@strongbox/queue';
import { checkPromtool, runPromtool } from '@strongbox/services/testing';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupResult, failedBackup, succeededBackup } from '../testing/jobs.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

const promtool = checkPromtool({ ci: process.env.CI === 'true' });
if (!promtool.run) console.warn(promtool.reason);

const seconds = (date: string | null) => new Date(date ?? '').getTime() / 1000;

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the metrics did not move');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const scrape = async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    return response.body;
  };

  it('counts requests by route pattern and status, never by raw URL', async () => {
    const route = { method: 'GET', route: '/backups/:id', status_code: '404' };
    const before = sample(await scrape(), 'strongbox_http_request_duration_seconds_count', route) ?? 0;
    for (const id of ['a', 'b', 'c']) await t.app.inject({ method: 'GET', url: `/backups/${id}` });
    const text = await scrape();
    expect(sample(text, 'strongbox_http_request_duration_seconds_count', route)).toBe(before + 3);
    expect(text).not.toContain('/backups/a"');
    await t.app.inject({ method: 'GET', url: '/no/such/route' });
    expect(
      sample(await scrape(), 'strongbox_http_request_duration_seconds_count', { route: 'unmatched' }),
    ).toBe(1);
  });

  it('reads the queue depth by state from Redis at scrape time', async () => {
    const depth = async () =>
      sample(await scrape(), 'strongbox_queue_jobs', { queue: 'jobs', state: 'waiting' });
    const before = (await depth()) ?? 0;
    for (const folder of ['m/1', 'm/2']) {
      expect((await t.app.inject({ method: 'POST', url: '/backups', payload: { folder } })).statusCode).toBe(
        202,
      );
    }
    expect(await depth()).toBe(before + 2);
    for (const state of ['active', 'delayed', 'failed', 'completed']) {
      expect(sample(await scrape(), 'strongbox_queue_jobs', { queue: 'jobs', state })).toBe(0);
    }
  });

  it('exposes when the newest successful backup ended, read from MySQL', async () => {
    expect(sample(await scrape(), 'strongbox_backup_last_success_timestamp_seconds')).toBe(0);
    const backup = await succeededBackup(t.db, 'metrics/last');
    const seconds = new Date(backup.finishedAt ?? '').getTime() / 1000;
    expect(sample(await scrape(), 'strongbox_backup_last_success_timestamp_seconds')).toBe(seconds);
  });

  it('counts the attempts of every worker from the queue: by kind and outcome, with files and bytes', async () => {
    const connection = connectRedis(t.config.redisUrl, 'worker');
    // A worker of the test's own on the same queue: it reports a backup of 3 files, 2 linked.
    const worker = new Worker(
      QUEUE_NAME,
      async (job) => {
        if (job.data.folder === 'm/fails') throw new UnrecoverableError('NO_SUCH_DIRECTORY: gone');
        return {
          ...backupResult(`${job.data.folder}/snap`, 3, 300),
          copiedFiles: 1,
          copiedBytes: 100,
          linkedFiles: 2,
        };
      },
      { connection, prefix: t.config.queuePrefix },
    );
    try {
      const count = (text: string, outcome: string) =>
        sample(text, 'strongbox_job_duration_seconds_count', { kind: 'backup', outcome }) ?? 0;
      const before = await scrape();
      // The jobs the tests before left waiting are run too, each a success of 1 copied file.
      const waiting = sample(before, 'strongbox_queue_jobs', { queue: 'jobs', state: 'waiting' }) ?? 0;
      await t.app.inject({ method: 'POST', url: '/backups', payload: { folder: 'm/ok' } });
      await t.app.inject({ method: 'POST', url: '/backups', payload: { folder: 'm/fails' } });
      let after = '';
      await waitUntil(async () => {
        after = await scrape();
        return (
          count(after, 'succeeded') > count(before, 'succeeded') &&
          count(after, 'failed') > count(before, 'failed')
        );
      });
      const backups = waiting + 1;
      expect(count(after, 'succeeded')).toBe(count(before, 'succeeded') + backups);
      expect(count(after, 'failed')).toBe(count(before, 'failed') + 1);
      expect(sample(after, 'strongbox_backup_files_total', { how: 'copied' })).toBe(backups);
      expect(sample(after, 'strongbox_backup_files_total', { how: 'linked' })).toBe(2 * backups);
      expect(sample(after, 'strongbox_backup_bytes_total', { how: 'copied' })).toBe(100 * backups);
      expect(sample(after, 'strongbox_backup_bytes_total', { how: 'linked' })).toBe(200 * backups);
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });

  it("exposes the process's own figures", async () => {
    expect(sample(await scrape(), 'strongbox_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('exposes per folder when its newest backup succeeded and when its newest failed, read from MySQL', async () => {
    const ok = await succeededBackup(t.db, 'metrics/folder ok');
    const broken = await failedBackup(t.db, 'metrics/folder "broken"');
    const text = await scrape();
    const at = (name: string, folder: string) => sample(text, name, { folder });
    expect(at('strongbox_folder_last_success_timestamp_seconds', 'metrics/folder ok')).toBe(
      seconds(ok.finishedAt),
    );
    expect(at('strongbox_folder_last_failure_timestamp_seconds', 'metrics/folder ok')).toBe(0);
    // Prometheus text escapes the quotes of a label value.
    expect(at('strongbox_folder_last_success_timestamp_seconds', 'metrics/folder \\"broken\\"')).toBe(0);
    expect(at('strongbox_folder_last_failure_timestamp_seconds', 'metrics/folder \\"broken\\"')).toBe(
      seconds(broken.finishedAt),
    );
    expect(sample(text, 'strongbox_folder_omitted')).toBe(0);
  });

  it('counts the jobs that failed by kind and error code, read from MySQL', async () => {
    const count = async (code: string) =>
      sample(await scrape(), 'strongbox_job_failures_total', { kind: 'backup', code }) ?? 0;
    const before = await count('NO_SPACE');
    await failedBackup(t.db, 'metrics/full-1', 'NO_SPACE');
    await failedBackup(t.db, 'metrics/full-2', 'NO_SPACE');
    expect(await count('NO_SPACE')).toBe(before + 2);
  });

  it('exposes every metric that the shipped alert rules read (deploy/prometheus/alerts.yml)', async () => {
    const rules = await readFile(
      new URL('../../../../deploy/prometheus/alerts.yml', import.meta.url),
      'utf8',
    );
    const read = [...new Set(rules.match(/\bstrongbox_[a-z_]+/g))].sort();
    expect(read).toEqual([
      'strongbox_folder_last_failure_timestamp_seconds',
      'strongbox_folder_last_success_timestamp_seconds',
      'strongbox_folder_omitted',
      'strongbox_queue_jobs',
    ]);
    await succeededBackup(t.db, 'metrics/alerted');
    const text = await scrape();
    for (const name of read) expect(text, name).toMatch(new RegExp(`^# TYPE ${name} gauge$`, 'm'));
  });

  it.runIf(promtool.run)('passes promtool check metrics', async () => {
    await failedBackup(t.db, 'metrics/lint', 'NO_SPACE');
    const text = await scrape();
    expect(text).toContain('strongbox_folder_last_failure_timestamp_seconds{folder="metrics/lint"');
    const checked = await runPromtool(promtool.run ? promtool.path : '', ['check', 'metrics'], text);
    expect(checked).toEqual({ code: 0, output: '' });
  });
});

describe('GET /metrics with more folders than METRICS_FOLDER_LIMIT', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_FOLDER_LIMIT: '2' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the folders whose last success is oldest, and counts the others', async () => {
    await succeededBackup(t.db, 'limit/newest-success');
    await succeededBackup(t.db, 'limit/older-success-then-failure');
    await failedBackup(t.db, 'limit/older-success-then-failure');
    await failedBackup(t.db, 'limit/never-succeeded');
    // newest-success succeeded first, and again last: its newest success is the newest of all.
    await succeededBackup(t.db, 'limit/newest-success');
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const shown = text
      .split('\n')
      .filter((line) => line.startsWith('strongbox_folder_last_success_timestamp_seconds{'))
      .map((line) => /folder="([^"]*)"/.exec(line)?.[1]);
    expect(shown).toEqual(['limit/never-succeeded', 'limit/older-success-then-failure']);
    expect(sample(text, 'strongbox_folder_omitted')).toBe(1);
  });
});

describe('GET /metrics with tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ apiTokens: 'api-token', env: { METRICS_TOKEN: 'scrape-token' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (url: string, token?: string) =>
    t.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('needs a token: METRICS_TOKEN or one of API_TOKENS', async () => {
    const none = await get('/metrics');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await get('/metrics', 'wrong')).statusCode).toBe(401);
    expect((await get('/metrics', 'scrape-token')).statusCode).toBe(200);
    expect((await get('/metrics', 'api-token')).statusCode).toBe(200);
  });

  it('opens nothing but /metrics with METRICS_TOKEN', async () => {
    const stats = await get('/stats', 'scrape-token');
    expect(stats.statusCode).toBe(401);
    expect(stats.json()).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'The token is not one this server accepts: check API_TOKENS',
    });
  });
});

describe('GET /metrics with METRICS_TOKEN only', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN: 'scrape-token' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps the API open and closes /metrics', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/stats' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const scraped = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer scrape-token' },
    });
    expect(scraped.statusCode).toBe(200);
  });
});
