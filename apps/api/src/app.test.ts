import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from './testing/closed-port.js';
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
    expect(ready.json()).toEqual({ status: 'ok', checks: { mysql: 'ok', redis: 'ok', repository: 'ok' } });
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
    expect(response.headers['www-authenticate']).toEqual([
      'Bearer',
      'Basic realm="Strongbox", charset="UTF-8"',
    ]);
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

  it('answers 401 before looking at the query string', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/backups?folder=%FF' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
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

describe('the app over a real socket', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });
  afterAll(async () => {
    await t?.close();
  });

  // Node's HTTP parser refuses these before Fastify's routing, so `inject` never sees them.
  it('answers a 100 KB request line with 431 in the error shape, echoing none of it', async () => {
    const answer = await rawRequest(port, `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(answer.body).toEqual({
      statusCode: 431,
      error: 'Request Header Fields Too Large',
      code: 'HEADERS_TOO_LARGE',
      message: 'The request line and headers are too large: they may be at most 16 KiB together',
    });
    expect(answer.raw.length).toBeLessThan(400);
  });

  it('answers a control byte in a header with 400 MALFORMED_REQUEST', async () => {
    const answer = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Odd: a\u0001b\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'MALFORMED_REQUEST',
      message:
        'The request is not well-formed HTTP/1.1 (a control character in a header, a bad request line…)',
    });
  });

  it('answers an id of 9000 characters with 404 NOT_FOUND, echoing none of it', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/backups/${'a'.repeat(9000)}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: 'There is no job or schedule with that id: ids are UUIDs',
    });
  });

  it('answers an unknown route of 9000 characters with 404, echoing at most 100 of them', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/${'z'.repeat(9000)}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: `There is no route GET /${'z'.repeat(99)}…: see API.md for the routes`,
    });
  });

  it('still answers after refusing malformed requests', async () => {
    await rawRequest(port, `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    expect(response.status).toBe(200);
  });
});

const GATE_TOKEN = 'gate-token';
// Longer than the router takes a route parameter (MAX_PATH_BYTES characters).
const LONG_ID = 'a'.repeat(1001);
// Each answered, before this was fixed, by the router or a plugin of its own before any hook ran.
// Sent as they are over a socket: no client tidies `..` away.
const GATED_URLS = [
  `/backups/${LONG_ID}`,
  `/schedules/${LONG_ID}`,
  `/admin/queues/api/queues/jobs/${LONG_ID}`,
  '/backup/%E0%A4%A',
  '/nope',
  '/docs/static/../',
];

/** An app with a token and a rate limit of `rateLimit`, listening on a port of its own. */
function gatedApp(rateLimit: number) {
  const state = { t: undefined as TestApp | undefined, port: 0 };
  beforeAll(async () => {
    state.t = await startTestApp({
      apiTokens: GATE_TOKEN,
      env: { RATE_LIMIT_MAX: String(rateLimit), RATE_LIMIT_WINDOW_SECONDS: '600' },
    });
    await state.t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = state.t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    state.port = address.port;
  });
  afterAll(async () => {
    await state.t?.close();
  });
  return (url: string, token?: string) =>
    rawRequest(
      state.port,
      `GET ${url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`,
    );
}

describe('the app with API_TOKENS, before anything answers', () => {
  const send = gatedApp(1000);

  it('answers 401 UNAUTHORIZED to every URL without a token, long ids and URLs it cannot route included', async () => {
    for (const url of GATED_URLS) {
      const answer = await send(url);
      expect(answer.status, url).toBe(401);
      expect(answer.body, url).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        code: 'UNAUTHORIZED',
        message: 'This server needs a token: send Authorization: Bearer <token>',
      });
      expect(answer.raw, url).toMatch(/^www-authenticate: Bearer\r$/im);
    }
  });

  it('answers them with a token in the error shape: 404 NOT_FOUND, or 400 INVALID_URL', async () => {
    const answers: Record<string, unknown> = {};
    for (const url of GATED_URLS) {
      const answer = await send(url, GATE_TOKEN);
      answers[url] = [answer.status, answer.body];
    }
    const notFound = (message: string) => [
      404,
      { statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message },
    ];
    expect(answers).toEqual({
      [`/backups/${LONG_ID}`]: notFound('There is no job or schedule with that id: ids are UUIDs'),
      [`/schedules/${LONG_ID}`]: notFound('There is no job or schedule with that id: ids are UUIDs'),
      [`/admin/queues/api/queues/jobs/${LONG_ID}`]: notFound(
        'There is no job or schedule with that id: ids are UUIDs',
      ),
      '/backup/%E0%A4%A': [
        400,
        {
          statusCode: 400,
          error: 'Bad Request',
          code: 'INVALID_URL',
          message: 'The URL is not valid: percent-encode special characters in it (e.g. "/" as %2F)',
        },
      ],
      '/nope': notFound('There is no route GET /nope: see API.md for the routes'),
      '/docs/static/../': notFound('There is no such file: a path may not climb out of its folder with ".."'),
    });
  });
  it('answers a path that climbs out of the folder of /docs or of the dashboard with 404 NOT_FOUND', async () => {
    for (const url of ['/docs/static/../../package.json', '/admin/queues/static/../../package.json']) {
      const answer = await send(url, GATE_TOKEN);
      expect(answer.status, url).toBe(404);
      expect(answer.body, url).toEqual({
        statusCode: 404,
        error: 'Not Found',
        code: 'NOT_FOUND',
        message: 'There is no such file: a path may not climb out of its folder with ".."',
      });
    }
  });
});

describe('the rate limit, before anything answers', () => {
  const send = gatedApp(GATED_URLS.length);

  it('counts every URL, long ids and URLs it cannot route included: over the limit each is 429 RATE_LIMITED', async () => {
    for (const url of GATED_URLS) expect((await send(url)).status, url).toBe(401);
    for (const url of GATED_URLS) {
      const answer = await send(url);
      expect(answer.status, url).toBe(429);
      expect(answer.body, url).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/^Too many requests: at most 6 per 600 s; try again in \d+ s$/),
      });
    }
  });
});

/** Sends `text` as it is and reads the whole answer until the server closes the connection. */
async function rawRequest(
  port: number,
  text: string,
): Promise<{ status: number; body: unknown; raw: string }> {
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may close while the rest of an oversized request is still being written: what
    // counts is the answer it sent before.
    socket.on('error', (error) => (chunks.length > 0 ? undefined : reject(error)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  return { status, body: JSON.parse(body), raw };
}
