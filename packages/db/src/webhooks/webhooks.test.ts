import { afterEach, describe, expect, it } from 'vitest';
import { insertJob } from '../jobs/insert-job.js';
import { useMigratedDatabase } from '../testing/migrated-database.js';
import { deleteWebhook, insertWebhook, recordDelivery, webhooksFor, webhookTarget } from './webhooks.js';

const database = useMigratedDatabase();
const SECRET = 'a-secret-of-sixteen-or-more';

describe('webhook rows', () => {
  afterEach(async () => {
    await database.db.query('DELETE FROM webhook');
    await database.db.query('DELETE FROM webhook_delivery');
  });

  it('finds the webhooks of an event for a folder: those of every folder and those of exactly that one', async () => {
    const db = database.db;
    const all = await insertWebhook(db, {
      url: 'http://a/',
      events: ['backup.failed'],
      folder: null,
      secret: SECRET,
    });
    const photos = await insertWebhook(db, {
      url: 'http://b/',
      events: ['backup.failed', 'backup.succeeded'],
      folder: 'photos',
      secret: SECRET,
    });
    const other = await insertWebhook(db, {
      url: 'http://c/',
      events: ['verify.failed'],
      folder: null,
      secret: SECRET,
    });
    expect(await webhooksFor(db, 'backup.failed', 'photos')).toEqual([all.id, photos.id]);
    expect(await webhooksFor(db, 'backup.failed', 'photos/2024')).toEqual([all.id]);
    expect(await webhooksFor(db, 'backup.failed', 'Photos')).toEqual([all.id]);
    expect(await webhooksFor(db, 'backup.succeeded', 'photos')).toEqual([photos.id]);
    expect(await webhooksFor(db, 'verify.failed', 'photos')).toEqual([other.id]);
    expect(await webhooksFor(db, 'restore.failed', 'photos')).toEqual([]);
    expect(await webhookTarget(db, photos.id)).toEqual({ url: 'http://b/', secret: SECRET });
  });

  it('records no attempt for a webhook deleted meanwhile, and forgets a deleted one', async () => {
    const db = database.db;
    const webhook = await insertWebhook(db, {
      url: 'http://d/',
      events: ['backup.failed'],
      folder: null,
      secret: SECRET,
    });
    const { job } = await insertJob(db, { kind: 'backup', folder: 'd' });
    expect(await deleteWebhook(db, webhook.id)).toBe(true);
    expect(await deleteWebhook(db, webhook.id)).toBe(false);
    const recorded = await recordDelivery(db, {
      webhookId: webhook.id,
      deliveryId: 'x',
      event: 'backup.failed',
      jobId: job.id,
      attempt: 1,
      outcome: 'failed',
      statusCode: 500,
      error: 'The receiver answered 500',
      durationMs: 1,
      at: new Date(),
    });
    expect(recorded).toBe(false);
    expect(await webhookTarget(db, webhook.id)).toBeNull();
    expect(await webhooksFor(db, 'backup.failed', 'd')).toEqual([]);
  });
});
