import { getJob } from '@strongbox/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { succeededBackup } from '../../testing/jobs.js';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

const TOKEN = 'board-token';
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

  it('refuses to retry a job MySQL has ended', async () => {
    const ended = await succeededBackup(t.db, 'board/ended');
    await t.queue.add('backup', { id: ended.id, folder: ended.folder }, { jobId: ended.id });
    const response = await board('PUT', `/api/queues/jobs/${ended.id}/retry`);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      code: 'ACTION_REFUSED',
      message: `Job ${ended.id} has ended (succeeded): start a new one with the API instead`,
    });
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
    expect(
      queues.map((q: { name: string; readOnlyMode: boolean; allowRetries: boolean }) => [
        q.name,
        q.readOnlyMode,
        q.allowRetries,
      ]),
    ).toEqual([
      ['jobs', true, false],
      ['schedules', true, false],
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
