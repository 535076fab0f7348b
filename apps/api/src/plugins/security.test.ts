import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

describe('the rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      apiTokens: 'token-a,token-b',
      env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_SECONDS: '600' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (url: string, authorization?: string, remoteAddress = '10.0.0.1') =>
    t.app.inject({ method: 'GET', url, remoteAddress, headers: authorization ? { authorization } : {} });

  it('answers the request over the limit with 429 RATE_LIMITED and Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await get('/stats', 'Bearer token-a')).statusCode).toBe(200);
    const over = await get('/stats', 'Bearer token-a');
    expect(over.statusCode).toBe(429);
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(over.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      code: 'RATE_LIMITED',
      message: `Too many requests: at most 3 per 600 s; try again in ${retryAfter} s`,
    });
  });

  it('counts per token, wherever it comes from, whether bearer or Basic', async () => {
    expect((await get('/stats', 'Bearer token-a', '10.0.0.99')).statusCode).toBe(429);
    expect((await get('/stats', basic('token-a'), '10.0.0.98')).statusCode).toBe(429);
    expect((await get('/stats', 'Bearer token-b')).statusCode).toBe(200);
  });

  it('counts callers without a valid token per address, wrong tokens included', async () => {
    for (let i = 0; i < 3; i++)
      expect((await get('/stats', 'Bearer guess', '10.0.0.2')).statusCode).toBe(401);
    const over = await get('/stats', 'Bearer guess', '10.0.0.2');
    expect(over.statusCode).toBe(429);
    expect(over.json().code).toBe('RATE_LIMITED');
    expect((await get('/stats', undefined, '10.0.0.3')).statusCode).toBe(401);
  });

  it('never limits /health', async () => {
    for (let i = 0; i < 5; i++) expect((await get('/health', undefined, '10.0.0.4')).statusCode).toBe(200);
  });
});

describe('the security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends a CSP that allows only this server’s scripts, on the API, the dashboard and /docs', async () => {
    for (const url of ['/stats', '/admin/queues', '/docs/']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});

describe('the API log', () => {
  let t: TestApp;
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          raw.push(line);
          lines.push(JSON.parse(line));
        }
        done();
      },
    });
    t = await startTestApp({ apiTokens: 'secret-token-1', logger: { level: 'trace', stream } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('never holds a token: bearer, Basic, or a wrong one', async () => {
    lines.length = 0;
    raw.length = 0;
    const sent = [
      'Bearer secret-token-1',
      basic('secret-token-1'),
      'Bearer not-the-token-xyz',
      basic('not-the-token-xyz'),
    ];
    for (const authorization of sent) {
      await t.app.inject({ method: 'GET', url: '/stats', headers: { authorization } });
      await t.app.inject({
        method: 'POST',
        url: '/backups',
        headers: { authorization, 'idempotency-key': 'key-never-logged' },
        payload: { folder: 'logged/folder' },
      });
      await t.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization } });
    }
    const text = raw.join('\n');
    expect(lines.length).toBeGreaterThan(20);
    for (const secret of [
      'secret-token-1',
      'not-the-token-xyz',
      Buffer.from('ops:secret-token-1').toString('base64'),
      Buffer.from('ops:not-the-token-xyz').toString('base64'),
      'key-never-logged',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('never holds a token a client put into the URL, in its lines or in the Get Log row', async () => {
    raw.length = 0;
    const authorization = 'Bearer secret-token-1';
    for (const url of [
      '/stats?token=secret-token-1',
      '/logs?access_token=secret-token-1',
      '/log?t=secret%2Dtoken-1',
    ]) {
      await t.app.inject({ method: 'GET', url, headers: { authorization } });
    }
    expect(raw.join('\n')).not.toContain('secret-token-1');
    expect(raw.join('\n')).toContain('/stats?token=[REDACTED]');
    // Audit rows of reads are written in batches: write those of the requests above now.
    await t.app.audit.flush();
    const rows = await t.app.inject({
      method: 'GET',
      url: '/logs?action=Get%20Log',
      headers: { authorization },
    });
    const parameters = rows.json().items.map((row: { parameter: string }) => row.parameter);
    expect(parameters).toEqual(['access_token=[REDACTED]', 't=[REDACTED]']);
  });

  it('puts the request id on every line, and the job id on the line of a job created', async () => {
    lines.length = 0;
    const response = await t.app.inject({
      method: 'POST',
      url: '/backups',
      headers: { authorization: 'Bearer secret-token-1' },
      payload: { folder: 'logged/new' },
    });
    expect(response.statusCode).toBe(202);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line.reqId, JSON.stringify(line)).toMatch(/^req-/);
    const created = lines.find((line) => line.msg === 'job created');
    expect(created).toMatchObject({ jobId: response.json().id, kind: 'backup', folder: 'logged/new' });
    expect(new Set(lines.map((line) => line.reqId)).size).toBe(1);
  });
});

describe('secrets a client puts into a URL', () => {
  const API_TOKEN = 'api-token-used-0123456789';
  const OTHER_TOKEN = 'api-token-other-9876543210-long-enough-to-be-cut-by-a-quote';
  const METRICS_TOKEN = 'metrics-token-4567';
  const SECRETS = [API_TOKEN, OTHER_TOKEN, METRICS_TOKEN];
  const authorization = `Bearer ${API_TOKEN}`;
  let t: TestApp;
  const raw: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        raw.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    t = await startTestApp({
      apiTokens: `${API_TOKEN},${OTHER_TOKEN}`,
      env: { METRICS_TOKEN },
      logger: { level: 'info', stream },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const expectNoSecret = (text: string) => {
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    // Not even the first 40 characters a quote keeps of a long token.
    expect(text).not.toContain(OTHER_TOKEN.slice(0, 20));
  };

  it.each([
    [`/logs?from=${OTHER_TOKEN}`, 400, 'INVALID_DATE_RANGE'],
    [`/logs?from=${METRICS_TOKEN}`, 400, 'INVALID_DATE_RANGE'],
    [`/logs?to=${encodeURIComponent(API_TOKEN).replaceAll('-', '%2D')}`, 400, 'INVALID_DATE_RANGE'],
    [`/backups/${OTHER_TOKEN}`, 404, 'NOT_FOUND'],
    [`/backups/${METRICS_TOKEN}`, 404, 'NOT_FOUND'],
    [`/schedules/${OTHER_TOKEN}`, 404, 'NOT_FOUND'],
    [`/schedules/${METRICS_TOKEN}`, 404, 'NOT_FOUND'],
  ])('GET %s is %i %s, and neither the answer nor the log holds the token', async (url, status, code) => {
    raw.length = 0;
    const response = await t.app.inject({ method: 'GET', url, headers: { authorization } });
    expect(response.statusCode).toBe(status);
    const body = response.json();
    expect(body.code).toBe(code);
    expectNoSecret(response.body);
    expect(body.message).toContain('[REDACTED]');
    const lines = raw.join('\n');
    expectNoSecret(lines);
    const refused = raw.map((line) => JSON.parse(line)).find((line) => line.msg === 'request refused');
    expect(refused.reason).toContain('[REDACTED]');
    expect(refused.reason).toBe(body.message);
    const completed = raw.map((line) => JSON.parse(line)).find((line) => line.msg === 'incoming request');
    expect(completed.req.url).toContain('[REDACTED]');
  });

  it('writes no token into the FAILED Get Log rows that GET /logs serves to every client', async () => {
    raw.length = 0;
    for (const secret of [OTHER_TOKEN, METRICS_TOKEN]) {
      expect(
        (await t.app.inject({ method: 'GET', url: `/logs?from=${secret}`, headers: { authorization } }))
          .statusCode,
      ).toBe(400);
    }
    await t.app.audit.flush();
    const response = await t.app.inject({
      method: 'GET',
      url: '/logs?action=Get%20Log&status=FAILED',
      headers: { authorization },
    });
    expect(response.statusCode).toBe(200);
    expectNoSecret(response.body);
    const rows = response.json().items as { parameter: string; message: string }[];
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(row.parameter).toMatch(/^(from|to)=\[REDACTED\]$/);
      expect(row.message).toMatch(/^(from|to)="\[REDACTED\]" is not a date: /);
    }
    expectNoSecret(raw.join('\n'));
  });
});
