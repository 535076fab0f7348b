import { Writable } from 'node:stream';
import { recordDelivery } from '@strongbox/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { succeededBackup } from '../../testing/jobs.js';
import { ISO_DATE, startTestApp, type TestApp } from '../../testing/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A public address written as such: no name to resolve, so the test needs no DNS.
const PUBLIC_URL = 'https://93.184.215.14/strongbox?token=receiver-token';
const SECRET = 'client-chosen-secret-0123456789';

describe('webhooks', () => {
  let t: TestApp;
  const logged: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    });
    t = await startTestApp({ logger: { level: 'trace', stream } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/webhooks', payload });
  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const rows = async () => {
    const [result] = await t.db.query('SELECT COUNT(*) AS n FROM webhook');
    return Number((result as { n: number }[])[0]?.n);
  };

  it('records a webhook with the secret given, answers it this once with 201 and Location, never again', async () => {
    const response = await create({
      url: PUBLIC_URL,
      events: ['backup.failed', 'verify.succeeded'],
      folder: 'photos/2024',
      secret: SECRET,
    });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      url: PUBLIC_URL,
      events: ['backup.failed', 'verify.succeeded'],
      folder: 'photos/2024',
      createdAt: expect.stringMatching(ISO_DATE),
      secret: SECRET,
    });
    expect(response.headers.location).toBe(`/webhooks/${created.id}`);
    const { secret: _secret, ...webhook } = created;

    const one = await get(`/webhooks/${created.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(webhook);
    const list = await get('/webhooks?limit=1000');
    expect(list.json().items).toContainEqual(webhook);
    expect(list.body).not.toContain(SECRET);
    // Nor in the log: not the secret, not the URL's path and query (a token of the receiver's).
    expect(logged.join('')).not.toContain(SECRET);
    expect(logged.join('')).not.toContain('receiver-token');
    expect(logged.some((line) => line.includes('"origin":"https://93.184.215.14"'))).toBe(true);
  });

  it('generates a secret of 32 random bytes in hex when none is given', async () => {
    const first = (await create({ url: PUBLIC_URL, events: ['backup.succeeded'] })).json();
    const second = (await create({ url: PUBLIC_URL, events: ['backup.succeeded'] })).json();
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(second.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.secret).not.toBe(second.secret);
    expect(first.folder).toBeNull();
    expect((await get(`/webhooks/${first.id}`)).body).not.toContain(first.secret);
  });

  it('accepts an event for every kind of job, and keeps each event once', async () => {
    const response = await create({
      url: PUBLIC_URL,
      events: ['restore.failed', 'restore.failed', 'verify.failed', 'backup.succeeded'],
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().events).toEqual(['restore.failed', 'verify.failed', 'backup.succeeded']);
  });

  it.each([
    [
      'a loopback address',
      'http://127.0.0.1:9000/hook',
      'WEBHOOK_URL_PRIVATE',
      'The webhook host "127.0.0.1" is at 127.0.0.1, a loopback, link-local or private address: webhooks reach public addresses only (WEBHOOK_ALLOW_PRIVATE=true lifts this)',
    ],
    [
      'the metadata service',
      'http://169.254.169.254/latest/meta-data/',
      'WEBHOOK_URL_PRIVATE',
      'The webhook host "169.254.169.254" is at 169.254.169.254, a loopback, link-local or private address: webhooks reach public addresses only (WEBHOOK_ALLOW_PRIVATE=true lifts this)',
    ],
    [
      'a private network',
      'https://192.168.1.20/',
      'WEBHOOK_URL_PRIVATE',
      'The webhook host "192.168.1.20" is at 192.168.1.20, a loopback, link-local or private address: webhooks reach public addresses only (WEBHOOK_ALLOW_PRIVATE=true lifts this)',
    ],
    [
      'another scheme',
      'ftp://93.184.215.14/',
      'INVALID_WEBHOOK_URL',
      'The webhook URL must start with http:// or https://: got "ftp://93.184.215.14/"',
    ],
    [
      'credentials in the URL',
      'https://me:pw@93.184.215.14/',
      'INVALID_WEBHOOK_URL',
      'The webhook URL must not hold credentials (user:password@): use the secret to authenticate deliveries',
    ],
  ])('refuses %s with 400 and its code, and records nothing', async (_, url, code, message) => {
    const before = await rows();
    const response = await create({ url, events: ['backup.failed'] });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: 'Bad Request', code, message });
    expect(await rows()).toBe(before);
  });

  it('refuses an unknown event, no event, a bad folder and a short secret, and records nothing', async () => {
    const before = await rows();
    const unknown = await create({ url: PUBLIC_URL, events: ['backup.cancelled'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(
        /^body\.events\.0: Invalid option: expected one of "backup\.succeeded"\|"backup\.failed"\|/,
      ),
    });
    const none = await create({ url: PUBLIC_URL, events: [] });
    expect(none.json()).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('body.events'),
    });
    const folder = await create({ url: PUBLIC_URL, events: ['backup.failed'], folder: '../etc' });
    expect(folder.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'INVALID_FOLDER',
      message: 'The folder must not have "." or ".." segments: got "../etc"',
    });
    const secret = await create({ url: PUBLIC_URL, events: ['backup.failed'], secret: 'short' });
    expect(secret.json()).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('body.secret'),
    });
    expect(await rows()).toBe(before);
  });

  it('deletes a webhook with its delivery log: 204, then 404 for it everywhere', async () => {
    const created = (await create({ url: PUBLIC_URL, events: ['backup.failed'] })).json();
    const job = await succeededBackup(t.db, 'deleted/one');
    await recordDelivery(t.db, {
      webhookId: created.id,
      deliveryId: 'd1',
      event: 'backup.failed',
      jobId: job.id,
      attempt: 1,
      outcome: 'failed',
      statusCode: 500,
      error: 'The receiver answered 500',
      durationMs: 3,
      at: new Date(),
    });
    const deleted = await t.app.inject({ method: 'DELETE', url: `/webhooks/${created.id}` });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    const notFound = {
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: `There is no webhook with id "${created.id}"`,
    };
    expect((await get(`/webhooks/${created.id}`)).json()).toEqual(notFound);
    expect((await get(`/webhooks/${created.id}/deliveries`)).json()).toEqual(notFound);
    const again = await t.app.inject({ method: 'DELETE', url: `/webhooks/${created.id}` });
    expect(again.statusCode).toBe(404);
    const [left] = await t.db.query('SELECT COUNT(*) AS n FROM webhook_delivery WHERE webhook_id = ?', [
      created.id,
    ]);
    expect(Number((left as { n: number }[])[0]?.n)).toBe(0);
    expect((await get('/webhooks/not-a-uuid')).json()).toEqual({
      ...notFound,
      message: 'There is no webhook with id "not-a-uuid"',
    });
  });

  it("answers a webhook's delivery attempts newest first, a page at a time", async () => {
    const created = (await create({ url: PUBLIC_URL, events: ['backup.succeeded'] })).json();
    const job = await succeededBackup(t.db, 'delivered/one');
    const attempt = (n: number, at: string) => ({
      webhookId: created.id,
      deliveryId: `${created.id}_${job.id}_backup.succeeded`,
      event: 'backup.succeeded' as const,
      jobId: job.id,
      attempt: n,
      outcome: n === 1 ? ('failed' as const) : ('delivered' as const),
      statusCode: n === 1 ? 500 : 204,
      error: n === 1 ? 'The receiver answered 500' : null,
      durationMs: 10 + n,
      at: new Date(at),
    });
    expect((await get(`/webhooks/${created.id}/deliveries`)).json()).toEqual({ items: [], nextCursor: null });
    expect(await recordDelivery(t.db, attempt(1, '2026-12-01T10:00:00.000Z'))).toBe(true);
    expect(await recordDelivery(t.db, attempt(2, '2026-12-01T10:00:05.000Z'))).toBe(true);

    const first = (await get(`/webhooks/${created.id}/deliveries?limit=1`)).json();
    expect(first.items).toEqual([
      {
        id: expect.any(Number),
        deliveryId: `${created.id}_${job.id}_backup.succeeded`,
        event: 'backup.succeeded',
        jobId: job.id,
        attempt: 2,
        outcome: 'delivered',
        statusCode: 204,
        error: null,
        durationMs: 12,
        at: '2026-12-01T10:00:05.000Z',
      },
    ]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (
      await get(`/webhooks/${created.id}/deliveries?limit=1&cursor=${first.nextCursor}`)
    ).json();
    expect(second).toEqual({
      items: [
        {
          id: first.items[0].id - 1,
          deliveryId: `${created.id}_${job.id}_backup.succeeded`,
          event: 'backup.succeeded',
          jobId: job.id,
          attempt: 1,
          outcome: 'failed',
          statusCode: 500,
          error: 'The receiver answered 500',
          durationMs: 11,
          at: '2026-12-01T10:00:00.000Z',
        },
      ],
      nextCursor: null,
    });
    const bad = await get(`/webhooks/${created.id}/deliveries?cursor=nope`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('INVALID_CURSOR');
  });
});

describe('webhooks with WEBHOOK_ALLOW_PRIVATE=true', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records a webhook to a loopback or private address', async () => {
    for (const url of ['http://127.0.0.1:9000/hook', 'http://10.0.0.7/hook', 'http://localhost:8080/']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/webhooks',
        payload: { url, events: ['backup.failed'] },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json().url).toBe(url);
    }
  });

  it('still refuses another scheme than http and https', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/webhooks',
      payload: { url: 'file:///etc/passwd', events: ['backup.failed'] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('INVALID_WEBHOOK_URL');
  });
});
