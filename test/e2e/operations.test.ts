import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sample } from '@strongbox/metrics/testing';
import { connectRedis, createTickQueue } from '@strongbox/queue';
import { freePort } from '@strongbox/services';
import { cleanupRedisPrefix } from '@strongbox/services/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, makeFolder, type Stack, startStack, stopChild, waitFor } from './stack.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TOKEN = 'ops-e2e-token';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('operating the real stack', () => {
  let stack: Stack;
  let metricsPort: number;
  beforeAll(async () => {
    metricsPort = await freePort();
    stack = await startStack({ workers: 1, env: { API_TOKENS: TOKEN, METRICS_PORT: String(metricsPort) } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const backupsOf = async (scheduleId: string) => {
    const page = await call(
      stack,
      'GET',
      '/backups?kind=backup&folder=scheduled&limit=1000',
      undefined,
      auth,
    );
    return (page.body.items as { id: string; scheduleId: string | null; status: string }[]).filter(
      (job) => job.scheduleId === scheduleId,
    );
  };
  const schedulers = async () => {
    const redis = connectRedis(stack.env.REDIS_URL ?? '', 'producer');
    const ticks = createTickQueue({ connection: redis, prefix: stack.env.QUEUE_PREFIX ?? '' });
    try {
      return (await ticks.getJobSchedulers(0, -1)).map((scheduler) => scheduler.key);
    } finally {
      await ticks.close();
      redis.disconnect();
    }
  };

  it('runs an every-second schedule: backups with its scheduleId, each with one Backup row, until paused', async () => {
    await makeFolder(stack, 'scheduled', { 'a.txt': 'every second' });
    const created = await call(
      stack,
      'POST',
      '/schedules',
      { folder: 'scheduled', cron: '* * * * * *' },
      auth,
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    await waitFor(
      async () => (await backupsOf(id)).filter((job) => job.status === 'succeeded').length >= 2,
      60_000,
      () => `the schedule did not run two backups:\n${stack.output()}`,
    );
    const logs = await call(stack, 'GET', '/logs?action=Backup&limit=1000', undefined, auth);
    for (const job of (await backupsOf(id)).filter((j) => j.status === 'succeeded')) {
      const rows = logs.body.items.filter((row: { jobId: string }) => row.jobId === job.id);
      expect(rows.map((row: { status: string }) => row.status)).toEqual(['SUCCESS']);
    }

    const paused = await call(stack, 'PATCH', `/schedules/${id}`, { paused: true }, auth);
    expect(paused.body).toMatchObject({ paused: true, nextRunAt: null });
    expect(await schedulers()).not.toContain(id);
  });

  it('brings a schedule back when Redis lost its data and a worker starts', async () => {
    const created = await call(stack, 'POST', '/schedules', { folder: 'nightly', cron: '0 3 * * *' }, auth);
    const id = created.body.id;
    expect(await schedulers()).toContain(id);
    await stopChild(stack.workers[0]!);
    await cleanupRedisPrefix(inject('redisUrl'), stack.env.QUEUE_PREFIX ?? '');
    expect(await schedulers()).toEqual([]);
    await stack.addWorker();
    await waitFor(
      async () => (await schedulers()).includes(id),
      30_000,
      () => `the schedule did not come back:\n${stack.output()}`,
    );
    // The paused schedule of the test before stays without a scheduler.
    expect(await schedulers()).toEqual([id]);
  });

  it("serves the API's and the worker's metrics, which moved with the backups", async () => {
    const unauthorized = await fetch(`${stack.url}/metrics`);
    expect(unauthorized.status).toBe(401);
    const api = await (await fetch(`${stack.url}/metrics`, { headers: auth })).text();
    const newest = (await call(stack, 'GET', '/stats', undefined, auth)).body.lastSuccessAt;
    expect(sample(api, 'strongbox_backup_last_success_timestamp_seconds')).toBe(
      new Date(newest).getTime() / 1000,
    );
    expect(
      sample(api, 'strongbox_http_request_duration_seconds_count', {
        route: '/schedules',
        status_code: '201',
      }),
    ).toBe(2);

    // The first worker (which ran the scheduled backups) was replaced: run one on this one.
    const posted = await call(stack, 'POST', '/backups?wait=30', { folder: 'scheduled' }, auth);
    expect(posted.status).toBe(200);
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    let worker = '';
    await waitFor(
      async () => {
        worker = await (await fetch(url, { headers: auth })).text();
        return (
          sample(worker, 'strongbox_job_duration_seconds_count', { kind: 'backup', outcome: 'succeeded' }) ===
          1
        );
      },
      30_000,
      () => `the worker's metrics did not move:\n${worker}`,
    );
    expect(sample(worker, 'strongbox_backup_files_total', { how: 'linked' })).toBe(1);
  });
});

describe('LOG_FORMAT=pretty on an install without pino-pretty', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ workers: 0 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('still starts the API, logging JSON, and says why on stderr', async () => {
    const port = await freePort();
    const api = spawn(
      process.execPath,
      [
        '--import',
        path.join(here, 'without-pino-pretty.mjs'),
        path.join(here, '../../apps/api/dist/main.js'),
      ],
      {
        env: { PATH: process.env.PATH ?? '', ...stack.env, PORT: String(port), LOG_FORMAT: 'pretty' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    api.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    api.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    try {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok === true,
        30_000,
        () => `the API did not start:\n${stdout}\n${stderr}`,
      );
      expect(stderr).toContain('Pretty logs (LOG_FORMAT=pretty, or a terminal) need pino-pretty');
      const lines = stdout.split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(JSON.parse(line)).toHaveProperty('level');
    } finally {
      await stopChild(api);
    }
  });
});
