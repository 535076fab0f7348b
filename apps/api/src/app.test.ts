import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/test-app.js';

describe('the app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/nothing/here?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: expect.stringContaining('GET /nothing/here'),
    });
  });

  it('answers a URL with broken percent-encoding with 400 in the error shape', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/backup/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/backups',
      headers: { 'content-type': 'application/xml' },
      payload: '<folder>photos</folder>',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('is healthy and ready when MySQL and Redis answer', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { mysql: 'ok', redis: 'ok' } });
  });
});

describe('the app without Redis', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ redisUrl: `redis://127.0.0.1:${await closedPort()}` });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is healthy but not ready, naming Redis', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    const body = ready.json();
    expect(body.status).toBe('unavailable');
    expect(body.checks.mysql).toBe('ok');
    expect(body.checks.redis).not.toBe('ok');
  });

  it('still accepts a backup: MySQL has it, and the reconciler queues it later', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/backups', payload: { folder: 'offline' } });
    expect(response.statusCode).toBe(202);
    const stored = await t.app.inject({ method: 'GET', url: `/backups/${response.json().id}` });
    expect(stored.json().status).toBe('queued');
  });
});

describe('the app with API_TOKENS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ apiTokens: 'first-token,second-token' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a request without a token with 401 and WWW-Authenticate', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/stats' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHORIZED' });
  });

  it('refuses a wrong token, and does not reveal which routes exist', async () => {
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/backups',
      headers: { authorization: 'Bearer first-tokeN' },
      payload: { folder: 'x' },
    });
    expect(wrong.statusCode).toBe(401);
    const unknown = await t.app.inject({ method: 'GET', url: '/secret' });
    expect(unknown.statusCode).toBe(401);
    const [rows] = await t.db.query('SELECT COUNT(*) AS n FROM backup_job');
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(0);
  });

  it('accepts any of the tokens', async () => {
    for (const token of ['first-token', 'second-token']) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/ready',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(200);
    }
  });

  it('leaves /health open', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});

describe('the app closing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a client that waits with 202 at once when it closes', async () => {
    const answer = t.app.inject({ method: 'POST', url: '/backups?wait=300', payload: { folder: 'closing' } });
    for (;;) {
      const [rows] = await t.db.query("SELECT COUNT(*) AS n FROM backup_job WHERE folder = 'closing'");
      if (Number((rows as { n: number }[])[0]?.n) === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await t.app.close();
    const response = await answer;
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ folder: 'closing', status: 'queued' });
  });
});

// A port nothing listens on: bind one, note it, close it.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
