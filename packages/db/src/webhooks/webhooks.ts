import { randomUUID } from 'node:crypto';
import {
  type CreatedWebhook,
  type Page,
  type Webhook,
  type WebhookDelivery,
  type WebhookEvent,
  webhookDeliverySchema,
  webhookSchema,
} from '@strongbox/contract';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';
import { keysetPage } from '../keyset-page.js';
import { Where } from '../where.js';

const COLUMNS = 'seq, id, url, events, folder, created_at';

function webhookFromRow(row: RowDataPacket): Webhook {
  return webhookSchema.parse({
    id: row.id,
    url: row.url,
    events: JSON.parse(String(row.events)),
    folder: row.folder ?? null,
    createdAt: (row.created_at as Date).toISOString(),
  });
}

/** Records a webhook; `secret` is the HMAC key it is created with, answered this once. */
export async function insertWebhook(
  db: Db,
  webhook: { url: string; events: readonly WebhookEvent[]; folder: string | null; secret: string },
): Promise<CreatedWebhook> {
  const id = randomUUID();
  const events = [...new Set(webhook.events)];
  await inTransaction(
    db,
    (tx) =>
      tx.execute(
        `INSERT INTO webhook (id, url, events, folder, folder_key, secret, created_at)
         VALUES (?, ?, ?, ?, IF(? IS NULL, NULL, SHA2(?, 256)), ?, UTC_TIMESTAMP(3))`,
        [
          id,
          webhook.url,
          JSON.stringify(events),
          webhook.folder,
          webhook.folder,
          webhook.folder,
          webhook.secret,
        ],
      ),
    { oneRoundTrip: true },
  );
  const created = await getWebhook(db, id);
  if (!created) throw new Error(`Webhook ${id} was written but cannot be read back`);
  return { ...created, secret: webhook.secret };
}

/** A webhook, without its secret; null when there is none with that id. */
export async function getWebhook(db: Db, id: string): Promise<Webhook | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${COLUMNS} FROM webhook WHERE id = ?`, [id]);
  const row = rows[0];
  return row ? webhookFromRow(row) : null;
}

/** Where and how a delivery to a webhook goes: its URL and its secret; null once it is deleted. */
export async function webhookTarget(db: Db, id: string): Promise<{ url: string; secret: string } | null> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT url, secret FROM webhook WHERE id = ?', [id]);
  const row = rows[0];
  return row ? { url: String(row.url), secret: String(row.secret) } : null;
}

/** Webhooks oldest first, one page at a time, without their secrets. */
export async function listWebhooks(
  db: Db,
  query: { limit: number; cursor?: string },
): Promise<Page<Webhook>> {
  return keysetPage(db, { select: `SELECT ${COLUMNS} FROM webhook`, key: 'seq', map: webhookFromRow }, query);
}

/** Deletes a webhook and its delivery log; false when there was none. */
export async function deleteWebhook(db: Db, id: string): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const [result] = await tx.execute<ResultSetHeader>('DELETE FROM webhook WHERE id = ?', [id]);
    await tx.execute('DELETE FROM webhook_delivery WHERE webhook_id = ?', [id]);
    return result.affectedRows === 1;
  });
}

/** The ids of the webhooks told of `event` for a job of `folder`: those of every folder, and its own. */
export async function webhooksFor(db: Db, event: WebhookEvent, folder: string): Promise<string[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT id FROM webhook
     WHERE JSON_CONTAINS(events, JSON_QUOTE(?)) AND (folder_key IS NULL OR folder_key = SHA2(?, 256))
     ORDER BY seq`,
    [event, folder],
  );
  return rows.map((row) => String(row.id));
}

/** One attempt, as the worker that made it records it. */
export type DeliveryAttempt = Omit<WebhookDelivery, 'id' | 'at'> & { webhookId: string; at: Date };

/**
 * Records one attempt in the webhook's delivery log; false (nothing written) when the webhook was
 * deleted meanwhile, so that a deleted webhook leaves no row behind.
 */
export async function recordDelivery(db: Db, attempt: DeliveryAttempt): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO webhook_delivery
       (webhook_id, delivery_id, event, job_id, attempt, outcome, status_code, error, duration_ms, at)
     SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM webhook WHERE id = ?`,
    [
      attempt.deliveryId,
      attempt.event,
      attempt.jobId,
      attempt.attempt,
      attempt.outcome,
      attempt.statusCode,
      attempt.error === null ? null : attempt.error.slice(0, 500),
      Math.max(0, Math.round(attempt.durationMs)),
      attempt.at,
      attempt.webhookId,
    ],
  );
  return result.affectedRows === 1;
}

/** A webhook's delivery attempts, newest first, one page at a time. */
export async function listDeliveries(
  db: Db,
  webhookId: string,
  query: { limit: number; cursor?: string },
): Promise<Page<WebhookDelivery>> {
  return keysetPage(
    db,
    {
      select: `SELECT id, delivery_id, event, job_id, attempt, outcome, status_code, error, duration_ms, at
               FROM webhook_delivery`,
      key: 'id',
      descending: true,
      where: new Where().add('webhook_id = ?', webhookId),
      map: (row) =>
        webhookDeliverySchema.parse({
          id: Number(row.id),
          deliveryId: row.delivery_id,
          event: row.event,
          jobId: row.job_id,
          attempt: Number(row.attempt),
          outcome: row.outcome,
          statusCode: row.status_code === null ? null : Number(row.status_code),
          error: row.error ?? null,
          durationMs: Number(row.duration_ms),
          at: (row.at as Date).toISOString(),
        }),
    },
    query,
  );
}
