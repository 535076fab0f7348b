import { z } from 'zod';
import { folderSchema } from './folder.js';
import { JOB_KINDS, type JobKind, jobSchema } from './job.js';

/** How a job may end that a webhook can be told of. A cancelled job is not an event. */
export const WEBHOOK_OUTCOMES = ['succeeded', 'failed'] as const;

/** A webhook's event: `<kind>.succeeded` or `<kind>.failed`, for every kind of job. */
export type WebhookEvent = `${JobKind}.${(typeof WEBHOOK_OUTCOMES)[number]}`;

/** Every event, two per kind of job: a kind added to the contract has its events at once. */
export const WEBHOOK_EVENTS = JOB_KINDS.flatMap((kind) =>
  WEBHOOK_OUTCOMES.map((outcome): WebhookEvent => `${kind}.${outcome}`),
) as [WebhookEvent, ...WebhookEvent[]];

export const webhookEventSchema = z.enum(WEBHOOK_EVENTS);

/** Longest webhook URL accepted, in characters. */
export const MAX_WEBHOOK_URL = 2000;

/** A secret's length bounds, in characters: long enough to resist guessing, short enough to store. */
export const WEBHOOK_SECRET_LENGTH = { min: 16, max: 200 } as const;

/** The header every delivery carries: `t=UNIX_SECONDS,v1=HEX`. */
export const SIGNATURE_HEADER = 'Strongbox-Signature';

export const newWebhookSchema = z
  .object({
    url: z
      .string()
      .min(1)
      .max(MAX_WEBHOOK_URL)
      .describe(
        'http:// or https://; refused when it resolves to a loopback, link-local or private address (unless WEBHOOK_ALLOW_PRIVATE=true)',
      ),
    events: z
      .array(webhookEventSchema)
      .min(1)
      .max(WEBHOOK_EVENTS.length)
      .describe('the events delivered, e.g. backup.failed; each at most once'),
    folder: folderSchema
      .optional()
      .describe(
        'only the jobs of this folder (exactly this one, not its subfolders); all folders when absent',
      ),
    secret: z
      .string()
      .min(WEBHOOK_SECRET_LENGTH.min)
      .max(WEBHOOK_SECRET_LENGTH.max)
      .optional()
      .describe('the HMAC key of the signatures; one is generated (and answered once) when absent'),
  })
  .strict();
export type NewWebhook = z.infer<typeof newWebhookSchema>;

const isoDate = z.iso.datetime().describe('ISO-8601 UTC with milliseconds and Z');

/** A webhook as every read answers it: never with its secret. */
export const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(webhookEventSchema),
  folder: z.string().nullable().describe('null: every folder'),
  createdAt: isoDate,
});
export type Webhook = z.infer<typeof webhookSchema>;

/** The answer to its creation, the only one that holds the secret. */
export const createdWebhookSchema = webhookSchema.extend({
  secret: z.string().describe('the HMAC key of the signatures: shown this once, never again'),
});
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>;

/** One attempt to deliver one event to one webhook. */
export const webhookDeliverySchema = z.object({
  id: z.number().int().positive().describe('increasing with each attempt recorded'),
  deliveryId: z.string().describe('the same for every attempt of one event to one webhook'),
  event: webhookEventSchema,
  jobId: z.uuid(),
  attempt: z.number().int().positive(),
  outcome: z
    .enum(['delivered', 'failed', 'refused'])
    .describe(
      'delivered: a 2xx answer; failed: another answer, a timeout or a network error (tried again while attempts remain); refused: the URL now resolves to a private address (not tried again)',
    ),
  statusCode: z.number().int().nullable().describe("the receiver's HTTP status; null when none came"),
  error: z.string().nullable().describe('why the attempt failed; null when delivered'),
  durationMs: z.number().int().nonnegative(),
  at: isoDate.describe('when the attempt started'),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

/** What a delivery's body holds; `deliveredAt` is the attempt's, the signature's `t` the same instant. */
export const webhookPayloadSchema = z.object({
  event: webhookEventSchema,
  deliveryId: z.string(),
  attempt: z.number().int().positive(),
  deliveredAt: isoDate,
  job: jobSchema,
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** The event a job's end is, or null when it is none (a cancelled or active job). */
export function eventOf(job: { kind: JobKind; status: string }): WebhookEvent | null {
  return (WEBHOOK_OUTCOMES as readonly string[]).includes(job.status)
    ? (`${job.kind}.${job.status}` as WebhookEvent)
    : null;
}
