import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import { type Job, type Page, type WebhookDelivery, webhookPayloadSchema } from '@strongbox/contract';
import { deleteWebhook, getJob, insertJob, insertWebhook, listDeliveries } from '@strongbox/db';
import { connectRedis, createWebhookQueue, deliveryIdOf, enqueue, type WebhookQueue } from '@strongbox/queue';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger } from '../testing/capturing-logger.js';
import { type Answer, type Received, type Receiver, startReceiver } from '../testing/receiver.js';
import { startWorkerTestEnv, type WorkerTestEnv, waitUntil } from '../testing/test-worker.js';

const SECRET = 'receiver-shared-secret-4f1c9a';
// Short waits between attempts and a short timeout, so that a test sees every attempt quickly.
const FAST = { timeoutMs: 500, retries: { attempts: 3, firstDelayMs: 20 } };

/** The recipe of the README, as it is written there. */
function verify(secret: string, header: string, rawBody: string, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2)));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(parts.t)) <= toleranceSeconds;
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

/** The `t` of a signature header. */
function signedAt(header: string): number {
  return Number(/^t=(\d+),v1=[0-9a-f]{64}$/.exec(header)?.[1]);
}

async function deliveriesOf(env: WorkerTestEnv, webhookId: string): Promise<WebhookDelivery[]> {
  const page: Page<WebhookDelivery> = await listDeliveries(env.db, webhookId, { limit: 100 });
  return page.items;
}

/** Waits until the webhook's delivery log has `count` attempts, and answers them newest first. */
async function waitForDeliveries(
  env: WorkerTestEnv,
  webhookId: string,
  count: number,
): Promise<WebhookDelivery[]> {
  await waitUntil(
    async () => (await deliveriesOf(env, webhookId)).length >= count,
    () => `webhook ${webhookId} never had ${count} delivery attempts`,
  );
  return deliveriesOf(env, webhookId);
}

/** Waits until no delivery is left waiting, running or delayed in the queue. */
async function drained(queue: WebhookQueue): Promise<void> {
  await waitUntil(
    async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    },
    () => 'deliveries were left in the queue',
  );
}

async function runBackup(env: WorkerTestEnv, folder: string): Promise<Job> {
  const { job } = await insertJob(env.db, { kind: 'backup', folder });
  await enqueue(env.queue, job);
  return env.waitForEnd(job.id);
}

describe('webhook deliveries, against a receiver on 127.0.0.1 (WEBHOOK_ALLOW_PRIVATE=true)', () => {
  let env: WorkerTestEnv;
  let deliveryQueue: WebhookQueue;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    env = await startWorkerTestEnv({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
    deliveryQueue = createWebhookQueue({ connection: env.connection(), prefix: env.config.queuePrefix });
    await env.startWorker({ webhooks: FAST });
  });
  afterEach(async () => {
    for (const receiver of receivers.splice(0)) await receiver.close();
    await env.db.query('DELETE FROM webhook');
  });
  afterAll(async () => {
    await deliveryQueue?.close();
    await env?.close();
  });

  async function receiver(answers?: (n: number) => Answer): Promise<Receiver> {
    const started = await startReceiver(answers);
    receivers.push(started);
    return started;
  }

  it('posts the job that ended with a signature that verifies by the documented recipe, and logs the attempt', async () => {
    const hook = await receiver();
    const webhook = await insertWebhook(env.db, {
      url: `${hook.url}/hook?k=1`,
      events: ['backup.succeeded'],
      folder: null,
      secret: SECRET,
    });
    await env.makeFolder('signed', { 'a.txt': 'alpha' });
    const job = await runBackup(env, 'signed');
    expect(job.status).toBe('succeeded');

    const [request] = (await hook.requests(1)) as [Received];
    expect(request.path).toBe('/hook?k=1');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['strongbox-event']).toBe('backup.succeeded');
    const deliveryId = deliveryIdOf({ webhookId: webhook.id, jobId: job.id, event: 'backup.succeeded' });
    expect(request.headers['strongbox-delivery']).toBe(deliveryId);
    const header = String(request.headers['strongbox-signature']);
    expect(verify(SECRET, header, request.body)).toBe(true);
    expect(verify('another-secret-of-enough-length', header, request.body)).toBe(false);
    // One byte changed in the body and the signature no longer holds.
    expect(verify(SECRET, header, `${request.body} `)).toBe(false);
    // Nor does it with another t; and a true signature of a day ago is refused as stale.
    const t = signedAt(header);
    expect(verify(SECRET, header.replace(`t=${t},`, `t=${t + 1},`), request.body)).toBe(false);
    const old = t - 86_400;
    const stale = createHmac('sha256', SECRET).update(`${old}.${request.body}`).digest('hex');
    expect(verify(SECRET, `t=${old},v1=${stale}`, request.body)).toBe(false);
    expect(verify(SECRET, `t=${old},v1=${stale}`, request.body, 2 * 86_400)).toBe(true);

    const payload = webhookPayloadSchema.parse(JSON.parse(request.body));
    expect(payload).toEqual({
      event: 'backup.succeeded',
      deliveryId,
      attempt: 1,
      deliveredAt: expect.any(String),
      job: await getJob(env.db, job.id),
    });
    expect(t).toBe(Math.floor(Date.parse(payload.deliveredAt) / 1000));

    const [logged] = (await waitForDeliveries(env, webhook.id, 1)) as [WebhookDelivery];
    expect(logged).toEqual({
      id: expect.any(Number),
      deliveryId,
      event: 'backup.succeeded',
      jobId: job.id,
      attempt: 1,
      outcome: 'delivered',
      statusCode: 204,
      error: null,
      durationMs: expect.any(Number),
      at: payload.deliveredAt,
    });
  });

  it('tries again after a 500, and the delivery log shows both attempts', async () => {
    const hook = await receiver((n) => (n === 0 ? 500 : 200));
    const webhook = await insertWebhook(env.db, {
      url: hook.url,
      events: ['backup.succeeded'],
      folder: null,
      secret: SECRET,
    });
    await env.makeFolder('retried', { 'a.txt': 'alpha' });
    const job = await runBackup(env, 'retried');
    const requests = await hook.requests(2);
    const attempts = requests.map((request) => JSON.parse(request.body).attempt);
    expect(attempts).toEqual([1, 2]);
    for (const request of requests) {
      expect(verify(SECRET, String(request.headers['strongbox-signature']), request.body)).toBe(true);
    }
    const log = await waitForDeliveries(env, webhook.id, 2);
    expect(
      log.map(({ attempt, outcome, statusCode, error, jobId }) => ({
        attempt,
        outcome,
        statusCode,
        error,
        jobId,
      })),
    ).toEqual([
      { attempt: 2, outcome: 'delivered', statusCode: 200, error: null, jobId: job.id },
      { attempt: 1, outcome: 'failed', statusCode: 500, error: 'The receiver answered 500', jobId: job.id },
    ]);
  });

  it('times out a receiver that never answers, at each attempt, and gives up after the last', async () => {
    const hook = await receiver(() => 'hang');
    const webhook = await insertWebhook(env.db, {
      url: hook.url,
      events: ['backup.succeeded'],
      folder: null,
      secret: SECRET,
    });
    await env.makeFolder('hanging', { 'a.txt': 'alpha' });
    const job = await runBackup(env, 'hanging');
    expect(job.status).toBe('succeeded');
    const log = await waitForDeliveries(env, webhook.id, 3);
    expect(
      log.map(({ attempt, outcome, statusCode, error }) => ({ attempt, outcome, statusCode, error })),
    ).toEqual(
      [3, 2, 1].map((attempt) => ({
        attempt,
        outcome: 'failed',
        statusCode: null,
        error: 'No answer within 500 ms: the attempt timed out',
      })),
    );
    const id = deliveryIdOf({ webhookId: webhook.id, jobId: job.id, event: 'backup.succeeded' });
    await waitUntil(
      async () => (await deliveryQueue.getJobState(id)) === 'failed',
      () => 'the queue never gave the delivery up',
    );
    expect(hook.received).toHaveLength(3);
  });

  it('does not follow a redirect: each attempt fails with the 3xx, and the other URL is never asked', async () => {
    const hook = await receiver(() => ({ redirectTo: '/elsewhere' }));
    const webhook = await insertWebhook(env.db, {
      url: `${hook.url}/hook`,
      events: ['backup.succeeded'],
      folder: null,
      secret: SECRET,
    });
    await env.makeFolder('redirected', { 'a.txt': 'alpha' });
    await runBackup(env, 'redirected');
    const log = await waitForDeliveries(env, webhook.id, 3);
    expect(
      log.map(({ attempt, outcome, statusCode, error }) => ({ attempt, outcome, statusCode, error })),
    ).toEqual(
      [3, 2, 1].map((attempt) => ({
        attempt,
        outcome: 'failed',
        statusCode: 302,
        error: 'The receiver answered 302; redirects are not followed',
      })),
    );
    await drained(deliveryQueue);
    expect(hook.received.map((request) => request.path)).toEqual(['/hook', '/hook', '/hook']);
  });

  it('delivers nothing more once the webhook is deleted, and keeps no log of it', async () => {
    let webhookId = '';
    // The first attempt deletes the webhook before it answers 500: the retry finds it gone.
    const hook = await receiver(() => async () => {
      await deleteWebhook(env.db, webhookId);
      return 500;
    });
    webhookId = (
      await insertWebhook(env.db, {
        url: hook.url,
        events: ['backup.succeeded'],
        folder: null,
        secret: SECRET,
      })
    ).id;
    await env.makeFolder('deleted', { 'a.txt': 'alpha' });
    const job = await runBackup(env, 'deleted');
    await hook.requests(1);
    const id = deliveryIdOf({ webhookId, jobId: job.id, event: 'backup.succeeded' });
    await waitUntil(
      async () => (await deliveryQueue.getJobState(id)) === 'completed',
      () => 'the delivery of a deleted webhook never ended',
    );
    expect(await deliveryQueue.getJob(id).then((queued) => queued?.returnvalue)).toEqual({
      skipped: 'webhook deleted',
    });
    expect(hook.received).toHaveLength(1);
    expect(await deliveriesOf(env, webhookId)).toEqual([]);
  });

  it('tells a webhook with a folder of that folder only, and one without of every folder', async () => {
    const hook = await receiver();
    const only = await insertWebhook(env.db, {
      url: `${hook.url}/only`,
      events: ['backup.succeeded'],
      folder: 'filter/a',
      secret: SECRET,
    });
    const every = await insertWebhook(env.db, {
      url: `${hook.url}/every`,
      events: ['backup.succeeded'],
      folder: null,
      secret: SECRET,
    });
    await env.makeFolder('filter/b', { 'b.txt': 'bravo' });
    await env.makeFolder('filter/a', { 'a.txt': 'alpha' });
    await env.makeFolder('filter/a/sub', { 's.txt': 'sub' });
    const b = await runBackup(env, 'filter/b');
    const a = await runBackup(env, 'filter/a');
    await waitForDeliveries(env, every.id, 2);
    await waitForDeliveries(env, only.id, 1);
    // Every delivery queued for these ends has been made: the filter had its chance to go wrong.
    await drained(deliveryQueue);
    const seen = hook.received.map((request) => [request.path, JSON.parse(request.body).job.folder]);
    expect(seen.filter(([path]) => path === '/only')).toEqual([['/only', 'filter/a']]);
    expect(seen.filter(([path]) => path === '/every').sort()).toEqual([
      ['/every', 'filter/a'],
      ['/every', 'filter/b'],
    ]);
    expect((await deliveriesOf(env, only.id)).map((delivery) => delivery.jobId)).toEqual([a.id]);
    expect((await deliveriesOf(env, every.id)).map((delivery) => delivery.jobId).sort()).toEqual(
      [a.id, b.id].sort(),
    );
  });

  it('tells a failed backup to the webhooks of backup.failed only, with the job and its error', async () => {
    const hook = await receiver();
    const failed = await insertWebhook(env.db, {
      url: `${hook.url}/failed`,
      events: ['backup.failed'],
      folder: null,
      secret: SECRET,
    });
    const succeeded = await insertWebhook(env.db, {
      url: `${hook.url}/succeeded`,
      events: ['backup.succeeded', 'verify.failed'],
      folder: null,
      secret: SECRET,
    });
    const job = await runBackup(env, 'never/made');
    expect(job.error?.code).toBe('NO_SUCH_DIRECTORY');
    const [request] = (await hook.requests(1)) as [Received];
    expect(request.path).toBe('/failed');
    const payload = JSON.parse(request.body);
    expect(payload.event).toBe('backup.failed');
    expect(payload.job).toMatchObject({
      id: job.id,
      status: 'failed',
      error: { code: 'NO_SUCH_DIRECTORY', message: 'No such directory: never/made' },
    });
    await waitForDeliveries(env, failed.id, 1);
    await drained(deliveryQueue);
    expect(hook.received).toHaveLength(1);
    expect(await deliveriesOf(env, succeeded.id)).toEqual([]);
  });
});

describe('webhook deliveries without WEBHOOK_ALLOW_PRIVATE', () => {
  let env: WorkerTestEnv;
  let hook: Receiver;
  beforeAll(async () => {
    env = await startWorkerTestEnv();
    hook = await startReceiver();
  });
  afterEach(async () => {
    await env.stopWorkers();
  });
  afterAll(async () => {
    await hook?.close();
    await env?.close();
  });

  it('refuses to deliver to a URL that resolves to a private address, and does not try again', async () => {
    await env.startWorker({ webhooks: FAST });
    // As if its name resolved to a public address when it was created, and to 127.0.0.1 now.
    const webhook = await insertWebhook(env.db, {
      url: hook.url,
      events: ['backup.succeeded'],
      folder: null,
      secret: SECRET,
    });
    await env.makeFolder('private', { 'a.txt': 'alpha' });
    const job = await runBackup(env, 'private');
    expect(job.status).toBe('succeeded');
    const [logged] = (await waitForDeliveries(env, webhook.id, 1)) as [WebhookDelivery];
    expect(logged).toMatchObject({
      attempt: 1,
      outcome: 'refused',
      statusCode: null,
      error:
        'WEBHOOK_URL_PRIVATE: The webhook host "127.0.0.1" is at 127.0.0.1, a loopback, link-local or private address: webhooks reach public addresses only (WEBHOOK_ALLOW_PRIVATE=true lifts this)',
    });
    const queue = createWebhookQueue({ connection: env.connection(), prefix: env.config.queuePrefix });
    try {
      const id = deliveryIdOf({ webhookId: webhook.id, jobId: job.id, event: 'backup.succeeded' });
      await waitUntil(
        async () => (await queue.getJobState(id)) === 'failed',
        () => 'the refused delivery was not given up',
      );
      expect((await queue.getJob(id))?.attemptsMade).toBe(1);
    } finally {
      await queue.close();
    }
    expect(hook.received).toEqual([]);
  });

  it('ends the job as it would without webhooks when Redis refuses to queue its deliveries', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const down = connectRedis(`redis://127.0.0.1:${port}`, 'producer');
    down.on('error', () => undefined);
    const refusing = createWebhookQueue({ connection: down, prefix: env.config.queuePrefix });
    refusing.on('error', () => undefined);
    const { logger, lines } = capturingLogger('warn');
    try {
      await env.startWorker({ logger, webhooks: { ...FAST, queue: refusing, enqueueTimeoutMs: 300 } });
      await insertWebhook(env.db, {
        url: hook.url,
        events: ['backup.succeeded'],
        folder: null,
        secret: SECRET,
      });
      await env.makeFolder('no-redis', { 'a.txt': 'alpha' });
      const job = await runBackup(env, 'no-redis');
      expect(job).toMatchObject({ status: 'succeeded', error: null, attempts: 1 });
      expect(job.result).toMatchObject({ files: 1, bytes: 5 });
      await waitUntil(
        async () =>
          lines.some((line) => line.jobId === job.id && String(line.msg).startsWith('could not queue')),
        () => `the refusal was not logged: ${JSON.stringify(lines)}`,
      );
      expect(lines.find((line) => line.jobId === job.id)).toMatchObject({
        level: 40,
        event: 'backup.succeeded',
        msg: 'could not queue the webhook deliveries of a job; the job itself is recorded',
      });
      expect(await getJob(env.db, job.id)).toMatchObject({ status: 'succeeded', error: null });
    } finally {
      await env.stopWorkers();
      await refusing.close().catch(() => undefined);
      down.disconnect();
    }
  });
});
