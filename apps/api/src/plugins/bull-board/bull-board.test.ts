import { randomUUID } from 'node:crypto';
import type { Job } from '@strongbox/contract';
import { finishJob, getJob, markPruned, startJob } from '@strongbox/db';
import { connectRedis, enqueueDelivery, QUEUE_NAME } from '@strongbox/queue';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { succeededBackup } from '../../testing/jobs.js';
import { startTestApp, type TestApp } from '../../testing/test-app.js';
import { PAGE_SCRIPT } from './page-script.js';

const TOKEN = 'board-token';
/** Each queue Bull Board's API lists, as [name, readOnlyMode, allowRetries]. */
const flagsOf = (queues: { name: string; readOnlyMode: boolean; allowRetries: boolean }[]) =>
  queues.map((q) => [q.name, q.readOnlyMode, q.allowRetries]);
const basic = (password: string, user = 'ops') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Bull Board at /admin/queues', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ apiTokens: TOKEN });
  });
  afterAll(async () => {
    await t?.close();
  });

  const board = (method: 'GET' | 'PUT', url: string, authorization = basic(TOKEN)) =>
    t.app.inject({ method, url: `/admin/queues${url}`, headers: { authorization } });
  const backup = async (folder: string) =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/backups',
        payload: { folder },
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    ).json();

  it('asks a browser for Basic auth: 401 with both challenges, in the error shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toEqual([
      'Bearer',
      'Basic realm="Strongbox", charset="UTF-8"',
    ]);
    expect(response.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      code: 'UNAUTHORIZED',
      message: 'This server needs a token: send Authorization: Bearer <token>',
    });
    const api = await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues' });
    expect(api.statusCode).toBe(401);
  });

  it('opens with any user name and a token as the password, or with the bearer header', async () => {
    for (const authorization of [basic(TOKEN), basic(TOKEN, 'anyone'), `Bearer ${TOKEN}`]) {
      const page = await board('GET', '', authorization);
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
    }
    expect((await board('GET', '', basic('wrong'))).statusCode).toBe(401);
  });

  it('answers its own 404s in the error shape: an unknown job, an unknown queue', async () => {
    const job = await board('GET', '/api/queues/jobs/no-such-job');
    expect(job.statusCode).toBe(404);
    expect(job.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: 'There is no job "no-such-job" in the queue "jobs"',
    });
    const queue = await board('GET', '/api/queues/nope/some-job');
    expect(queue.statusCode).toBe(404);
    expect(queue.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: 'There is no queue "nope": the dashboard shows the queues jobs, schedules and webhooks',
    });
  });

  it('echoes at most 100 characters of a job id or queue name as long as a folder may be', async () => {
    const long = 'j'.repeat(1000);
    const job = await board('GET', `/api/queues/jobs/${long}`);
    expect(job.statusCode).toBe(404);
    expect(job.json().message).toBe(
      `There is no job "${'j'.repeat(100)}"… (1000 characters) in the queue "jobs"`,
    );
    const queue = await board('GET', `/api/queues/${long}/some-job`);
    expect(queue.statusCode).toBe(404);
    expect(queue.json().message).toBe(
      `There is no queue "${'j'.repeat(100)}"… (1000 characters): the dashboard shows the queues jobs, schedules and webhooks`,
    );
  });

  it('answers a bad parameter of its own with 400 BAD_REQUEST in the error shape, in its own words', async () => {
    const response = await board('GET', '/api/queues?activeQueue=jobs&status=bogus');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'BAD_REQUEST',
      message: 'The "status" query parameter is not valid.',
    });
  });

  it('serves the page without the Google Fonts link that CSP and closed networks refuse', async () => {
    const page = await board('GET', '/');
    expect(page.body).toContain('<title>Strongbox</title>');
    expect(page.body).not.toContain('fonts.googleapis.com');
    expect(page.body).toMatch(/static\/js\/main\.[0-9a-f]+\.js/);
  });

  it('shows a job with its kind as name, its Strongbox id, its folder, and a link to GET /backups/{id}', async () => {
    const job = await backup('board/shown');
    const response = await board('GET', '/api/queues?activeQueue=jobs&status=latest');
    expect(response.statusCode).toBe(200);
    const queue = response.json().queues.find((q: { name: string }) => q.name === 'jobs');
    const shown = queue.jobs.find((j: { id: string }) => j.id === job.id);
    expect(shown).toMatchObject({
      id: job.id,
      name: 'backup board/shown',
      data: { id: job.id, folder: 'board/shown' },
      externalUrl: { displayText: `GET /backups/${job.id}`, href: `/backups/${job.id}` },
    });
  });

  it('links a job of the API to its page in Bull Board', async () => {
    const job = await backup('board/link');
    const response = await t.app.inject({
      method: 'GET',
      url: `/backups/${job.id}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.headers.link).toBe(
      `</admin/queues/queue/jobs/${job.id}>; rel="related"; title="Bull Board"`,
    );
    const page = await board('GET', `/queue/jobs/${job.id}`);
    expect(page.statusCode).toBe(200);
  });

  it('turns removing a queued job into a cancel: cancelled in MySQL with its log row, gone from Redis', async () => {
    const job = await backup('board/remove');
    const response = await board('PUT', `/api/queues/jobs/${job.id}/clean`);
    expect(response.statusCode).toBe(204);
    expect((await getJob(t.db, job.id))?.status).toBe('cancelled');
    expect(await t.queue.getJob(job.id)).toBeUndefined();
    const [rows] = await t.db.query(
      "SELECT status, message FROM log WHERE job_id = ? AND action = 'Backup'",
      [job.id],
    );
    expect(rows).toEqual([
      { status: 'FAILED', message: 'CANCELLED: Cancelled at the request of a client before it started' },
    ]);
  });

  it('refuses to remove a running job, and leaves it in MySQL and Redis', async () => {
    const job = await backup('board/running');
    await t.db.query("UPDATE backup_job SET status = 'running' WHERE id = ?", [job.id]);
    const response = await board('PUT', `/api/queues/jobs/${job.id}/clean`);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'ACTION_REFUSED',
      message: `Job ${job.id} is running: it cannot be removed until it has ended`,
    });
    expect(await t.queue.getJob(job.id)).toBeDefined();
    expect((await getJob(t.db, job.id))?.status).toBe('running');
  });

  it('removes a job MySQL has ended from Redis only, leaving MySQL as it was', async () => {
    const ended = await succeededBackup(t.db, 'board/ended-removed');
    await t.queue.add('backup', { id: ended.id, folder: ended.folder }, { jobId: ended.id });
    expect((await board('PUT', `/api/queues/jobs/${ended.id}/clean`)).statusCode).toBe(204);
    expect(await t.queue.getJob(ended.id)).toBeUndefined();
    expect(await getJob(t.db, ended.id)).toEqual(ended);
  });

  it('lets the queue be paused and resumed: MySQL is not concerned', async () => {
    expect((await board('PUT', '/api/queues/jobs/pause')).statusCode).toBeLessThan(300);
    expect(await t.queue.isPaused()).toBe(true);
    expect((await board('PUT', '/api/queues/jobs/resume')).statusCode).toBeLessThan(300);
    expect(await t.queue.isPaused()).toBe(false);
  });

  it('lists the webhooks queue read-only with its deliveries, and refuses every change to it', async () => {
    const data = {
      webhookId: randomUUID(),
      jobId: randomUUID(),
      event: 'backup.failed',
      folder: 'board/hooked',
    } as const;
    const id = await enqueueDelivery(t.webhooks, data);
    const response = await board('GET', '/api/queues?activeQueue=webhooks&status=latest');
    expect(response.statusCode).toBe(200);
    const queues = response.json().queues;
    expect(flagsOf(queues)).toEqual([
      ['jobs', false, true],
      ['schedules', false, true],
      ['webhooks', true, false],
    ]);
    const webhooks = queues.find((q: { name: string }) => q.name === 'webhooks');
    expect(
      webhooks.jobs.map((j: { id: string; name: string; data: unknown }) => [j.id, j.name, j.data]),
    ).toEqual([[`${data.webhookId}_${data.jobId}_backup.failed`, 'deliver', data]]);
    for (const url of [
      `/api/queues/webhooks/${id}/clean`,
      `/api/queues/webhooks/${id}/retry`,
      '/api/queues/webhooks/retry/failed',
      '/api/queues/webhooks/clean/completed',
      '/api/queues/webhooks/pause',
      '/api/queues/webhooks/empty',
    ]) {
      const refused = await board('PUT', url);
      expect(refused.statusCode, url).toBe(409);
      expect(refused.json(), url).toEqual({
        statusCode: 409,
        error: 'Conflict',
        code: 'ACTION_REFUSED',
        message: 'Webhook deliveries are read-only in the dashboard: the worker retries a failed one itself',
      });
    }
    expect((await t.webhooks.getJob(id))?.data).toEqual(data);
    // Pausing every queue leaves the read-only one running.
    expect((await board('PUT', '/api/queues/pause')).statusCode).toBe(200);
    expect(await t.queue.isPaused()).toBe(true);
    expect(await t.webhooks.isPaused()).toBe(false);
    expect((await board('PUT', '/api/queues/resume')).statusCode).toBe(200);
    expect(await t.queue.isPaused()).toBe(false);
  });

  it('loads its own script before Bull Board on every page, served from this server', async () => {
    for (const url of ['', '/queue/jobs?status=failed']) {
      const page = await board('GET', url);
      expect(page.body, url).toMatch(
        /<head>\n<script src="\/admin\/queues\/strongbox-page\.js"><\/script>\n(?:(?!<script).)*<script id="__UI_CONFIG__"/s,
      );
    }
    const script = await board('GET', '/strongbox-page.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe(PAGE_SCRIPT);
    expect((await board('GET', '/strongbox-page.js', basic('wrong'))).statusCode).toBe(401);
  });

  it('refuses to empty the queue, add a job or clean waiting jobs; cleans completed ones', async () => {
    const job = await backup('board/kept');
    for (const url of [
      '/api/queues/jobs/empty',
      '/api/queues/jobs/clean/wait',
      '/api/queues/jobs/obliterate',
    ]) {
      const response = await board('PUT', url);
      expect(response.statusCode, url).toBe(409);
      expect(response.json().code).toBe('ACTION_REFUSED');
    }
    const add = await t.app.inject({
      method: 'POST',
      url: '/admin/queues/api/queues/jobs/add',
      headers: { authorization: basic(TOKEN) },
      payload: { name: 'backup', data: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(add.statusCode).toBe(409);
    expect(await t.queue.getJob(job.id)).toBeDefined();
    expect((await board('PUT', '/api/queues/jobs/clean/completed')).statusCode).toBe(200);
  });

  it('refuses to remove or change the job scheduler of a schedule: MySQL holds them', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/schedules',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { folder: 'board/scheduled', cron: '0 3 * * *' },
    });
    const { id } = created.json();
    const response = await board('PUT', `/api/queues/schedules/job-schedulers/${id}/remove`);
    expect(response.statusCode).toBe(409);
    expect(response.json().message).toBe(
      'Schedules live in MySQL: pause, resume or delete them with PATCH or DELETE /schedules/{id}',
    );
    expect(await t.ticks.getJobScheduler(id)).toBeDefined();
  });
});

describe("Bull Board's Retry and Retry all", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ apiTokens: TOKEN });
  });
  afterAll(async () => {
    await t?.close();
  });

  const api = async (method: 'GET' | 'POST', url: string, payload?: object) =>
    (await t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${TOKEN}` } })).json();
  const board = (url: string) =>
    t.app.inject({ method: 'PUT', url: `/admin/queues${url}`, headers: { authorization: basic(TOKEN) } });
  const jobsOf = async (folder: string): Promise<Job[]> =>
    (await api('GET', `/backups?folder=${encodeURIComponent(folder)}`)).items;

  /**
   * Plays a worker that fails jobs at once, as for a missing folder: each lands in the queue's
   * failed list (so does any other job waiting meanwhile); with `inMySql` MySQL records the failure
   * too, as the real worker does.
   */
  async function failAll(jobs: readonly { id: string }[], inMySql = true): Promise<void> {
    const pending = new Set(jobs.map((job) => job.id));
    const connection = connectRedis(t.config.redisUrl, 'worker');
    const worker = new Worker(
      QUEUE_NAME,
      async () => {
        throw new UnrecoverableError('NO_SUCH_DIRECTORY: gone');
      },
      { connection, prefix: t.config.queuePrefix },
    );
    try {
      await new Promise<void>((resolve) => {
        worker.on('failed', (job) => {
          if (job?.id) pending.delete(job.id);
          if (pending.size === 0) resolve();
        });
      });
    } finally {
      await worker.close();
      connection.disconnect();
    }
    if (!inMySql) return;
    for (const job of jobs) {
      await startJob(t.db, job.id, 'test:1');
      await finishJob(t.db, job.id, {
        status: 'failed',
        error: { code: 'NO_SUCH_DIRECTORY', message: 'No such directory' },
      });
    }
  }

  it('runs a failed backup again as a new job, queued in MySQL and in the queue, and takes it off the failed list', async () => {
    const failed = await api('POST', '/backups', { folder: 'again/one' });
    await failAll([failed]);
    const before = await getJob(t.db, failed.id);

    const response = await board(`/api/queues/jobs/${failed.id}/retry`);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');

    const [again, old] = await jobsOf('again/one');
    expect(old).toEqual(before);
    expect(again).toMatchObject({ kind: 'backup', folder: 'again/one', status: 'queued', scheduleId: null });
    expect(again?.id).not.toBe(failed.id);
    expect(await t.queue.getJobState(again?.id ?? '')).toBe('waiting');
    expect(await t.queue.getJob(failed.id)).toBeUndefined();
    const [rows] = await t.db.query('SELECT job_id, status FROM log WHERE action = ? AND parameter = ?', [
      'Backup',
      'again/one',
    ]);
    expect(rows).toEqual([{ job_id: failed.id, status: 'FAILED' }]);
  });

  it('answers the backup already queued for the folder instead of queuing a second one', async () => {
    const failed = await api('POST', '/backups', { folder: 'again/queued' });
    await failAll([failed]);
    const waiting = await api('POST', '/backups', { folder: 'again/queued' });

    expect((await board(`/api/queues/jobs/${failed.id}/retry`)).statusCode).toBe(204);
    expect((await jobsOf('again/queued')).map((job) => [job.id, job.status])).toEqual([
      [waiting.id, 'queued'],
      [failed.id, 'failed'],
    ]);
  });

  it('runs a verify again on the same backup, and refuses once its snapshot is gone', async () => {
    const backup = await succeededBackup(t.db, 'again/verified');
    const verify = await api('POST', `/backups/${backup.id}/verify`);
    await failAll([verify]);

    expect((await board(`/api/queues/jobs/${verify.id}/retry`)).statusCode).toBe(204);
    const again = (await api('GET', '/backups?kind=verify&status=queued')).items;
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({
      kind: 'verify',
      folder: 'again/verified',
      params: { backupId: backup.id },
    });

    await failAll(again);
    await markPruned(t.db, [backup.result?.snapshot ?? '']);
    const refused = await board(`/api/queues/jobs/${again[0].id}/retry`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'SNAPSHOT_UNAVAILABLE',
      message: expect.stringMatching(
        new RegExp(`^The snapshot of backup ${backup.id} was deleted by retention`),
      ),
    });
    expect(await t.queue.getJobState(again[0].id)).toBe('failed');
    expect((await api('GET', '/backups?kind=verify&status=queued')).items).toEqual([]);
  });

  it('lets the queue retry a job MySQL still has queued: no new job', async () => {
    const queued = await api('POST', '/backups', { folder: 'again/still-queued' });
    await failAll([queued], false);

    expect((await board(`/api/queues/jobs/${queued.id}/retry`)).statusCode).toBe(204);
    expect(await t.queue.getJobState(queued.id)).toBe('waiting');
    expect((await jobsOf('again/still-queued')).map((job) => [job.id, job.status])).toEqual([
      [queued.id, 'queued'],
    ]);
  });

  it('retries all failed jobs: each ended one runs again once, and one MySQL does not know is skipped', async () => {
    // Only this test's jobs in the queue: what the tests above left waiting or failed goes first.
    await t.queue.drain();
    await t.queue.clean(0, 0, 'failed');
    const a = await api('POST', '/backups', { folder: 'again/all-a' });
    const b = await api('POST', '/backups', { folder: 'again/all-b' });
    const stranger = randomUUID();
    await t.queue.add('backup', { id: stranger, folder: 'again/stranger' }, { jobId: stranger });
    await failAll([a, b, { id: stranger }]); // MySQL has no row for the stranger to end
    expect((await t.queue.getJobs(['failed'])).map((job) => job.id).sort()).toEqual(
      [a.id, b.id, stranger].sort(),
    );

    const response = await board('/api/queues/jobs/retry/failed');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ retried: 2, skipped: 1 });
    for (const [job, folder] of [
      [a, 'again/all-a'],
      [b, 'again/all-b'],
    ] as const) {
      const [again, old] = await jobsOf(folder);
      expect(old?.id).toBe(job.id);
      expect(again).toMatchObject({ folder, status: 'queued' });
    }
    expect((await t.queue.getJobs(['failed'])).map((job) => job.id)).toEqual([stranger]);
  });

  it('refuses to retry all the jobs of a state that has not ended', async () => {
    const response = await board('/api/queues/jobs/retry/waiting');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'ACTION_REFUSED',
      message: 'Only failed or completed jobs can be retried: got waiting',
    });
  });
});

describe('Bull Board with BULL_BOARD_READ_ONLY=true', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { BULL_BOARD_READ_ONLY: 'true' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('tells the page it is read-only, which hides retry, clean and delete', async () => {
    const queues = (await t.app.inject({ method: 'GET', url: '/admin/queues/api/queues' })).json().queues;
    expect(flagsOf(queues)).toEqual([
      ['jobs', true, false],
      ['schedules', true, false],
      ['webhooks', true, false],
    ]);
  });

  it('refuses every change, even one sent by hand', async () => {
    const job = (
      await t.app.inject({ method: 'POST', url: '/backups', payload: { folder: 'read/only' } })
    ).json();
    const response = await t.app.inject({
      method: 'PUT',
      url: `/admin/queues/api/queues/jobs/${job.id}/clean`,
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      code: 'ACTION_REFUSED',
      message: 'The dashboard is read-only on this server (BULL_BOARD_READ_ONLY=true)',
    });
    expect((await getJob(t.db, job.id))?.status).toBe('queued');
    expect(await t.queue.getJob(job.id)).toBeDefined();
    expect((await t.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/pause' })).statusCode).toBe(
      409,
    );
  });
});
