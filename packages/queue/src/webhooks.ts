import { createHmac } from 'node:crypto';
import { webhookEventSchema } from '@strongbox/contract';
import { type DefaultJobOptions, Queue } from 'bullmq';
import { z } from 'zod';
import type { QueueSettings } from './queue.js';

/** The queue of webhook deliveries: one BullMQ job per event and webhook, apart from the jobs' queue. */
export const WEBHOOK_QUEUE_NAME = 'webhooks';

/** The BullMQ job name of a delivery. */
export const DELIVERY_JOB_NAME = 'deliver';

/** What a delivery carries: which webhook, which job's end. The rest is read from MySQL at each attempt. */
export const deliveryDataSchema = z
  .object({
    webhookId: z.uuid(),
    jobId: z.uuid(),
    event: webhookEventSchema,
    folder: z.string().optional().describe('display only: the job is read from MySQL'),
  })
  .strict();
export type DeliveryData = z.infer<typeof deliveryDataSchema>;

export type WebhookQueue = Queue<DeliveryData, unknown, string>;

/**
 * How often and how long a delivery is tried: 10 attempts, the waits between them doubling from
 * 5 s (5, 10, 20, 40, 80, 160, 320, 640, 1280 s): the last attempt starts about 43 minutes after
 * the first, and after it the delivery is given up. Each attempt also has its own timeout
 * (the worker's, 10 s by default).
 */
export const DELIVERY_RETRIES = { attempts: 10, firstDelayMs: 5_000 } as const;

/** The retry schedule as BullMQ takes it; a test passes shorter waits. */
export function deliveryJobOptions(retries: { attempts: number; firstDelayMs: number }): DefaultJobOptions {
  return {
    attempts: retries.attempts,
    backoff: { type: 'exponential', delay: retries.firstDelayMs },
    removeOnComplete: { age: 24 * 3600, count: 1_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 1_000 },
  };
}

export function createWebhookQueue(
  settings: QueueSettings,
  retries: { attempts: number; firstDelayMs: number } = DELIVERY_RETRIES,
): WebhookQueue {
  return new Queue<DeliveryData, unknown, string>(WEBHOOK_QUEUE_NAME, {
    connection: settings.connection,
    prefix: settings.prefix,
    defaultJobOptions: deliveryJobOptions(retries),
  });
}

/**
 * Queues the delivery of a job's end to one webhook. Its BullMQ id names the webhook, the job and
 * the event, so the same end queued twice is delivered once (while the queue keeps it); it is the
 * `deliveryId` of every attempt.
 */
export async function enqueueDelivery(queue: WebhookQueue, data: DeliveryData): Promise<string> {
  const parsed = deliveryDataSchema.parse(data);
  const id = deliveryIdOf(parsed);
  await queue.add(DELIVERY_JOB_NAME, parsed, { jobId: id });
  return id;
}

/** The id of the delivery of `event` of job `jobId` to webhook `webhookId`. */
export function deliveryIdOf(data: Pick<DeliveryData, 'webhookId' | 'jobId' | 'event'>): string {
  return `${data.webhookId}_${data.jobId}_${data.event}`;
}

/**
 * The `Strongbox-Signature` header of a body sent at `t` (Unix seconds): `t=T,v1=HEX`, HEX the
 * HMAC-SHA256 of `T.` followed by the raw body, keyed by the webhook's secret.
 */
export function signatureHeader(secret: string, t: number, body: string): string {
  const hex = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
  return `t=${t},v1=${hex}`;
}
