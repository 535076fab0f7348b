import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SIGNATURE_HEADER, type WebhookPayload } from '@strongbox/contract';
import { type Db, getJob, recordDelivery, webhookTarget } from '@strongbox/db';
import {
  type DeliveryData,
  deliveryDataSchema,
  deliveryIdOf,
  resolveWebhookTarget,
  signatureHeader,
  type WebhookTarget,
  WebhookTargetError,
} from '@strongbox/queue';
import { type Job as QueueJob, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';

/** How long one attempt may take, connection to the end of the answer's headers. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryDeps {
  db: Db;
  logger: Logger;
  /** WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** @defaultValue {@link DELIVERY_TIMEOUT_MS} */
  timeoutMs?: number;
}

/** What came of one attempt. */
type AttemptResult =
  | { outcome: 'delivered'; statusCode: number; error: null }
  | { outcome: 'failed'; statusCode: number | null; error: string }
  | { outcome: 'refused'; statusCode: null; error: string };

/**
 * The BullMQ processor of the webhook queue: one attempt to deliver one job's end to one webhook,
 * recorded in its delivery log. The webhook and the job are read from MySQL at each attempt, so a
 * deleted webhook gets nothing more. The URL is checked again (DNS may have changed since the
 * webhook was created) and the connection made to the address checked; a redirect is not followed.
 * A 2xx answer delivers; anything else throws, and BullMQ tries again on the queue's schedule.
 */
export function createDeliveryProcessor(deps: DeliveryDeps) {
  return async function deliver(queueJob: QueueJob<DeliveryData>): Promise<unknown> {
    const parsed = deliveryDataSchema.safeParse(queueJob.data);
    if (!parsed.success) throw new UnrecoverableError(`Malformed delivery: ${parsed.error.message}`);
    const data = parsed.data;
    const log = deps.logger.child({ webhookId: data.webhookId, jobId: data.jobId, event: data.event });
    const target = await webhookTarget(deps.db, data.webhookId);
    if (!target) {
      log.info('the webhook was deleted; nothing to deliver');
      return { skipped: 'webhook deleted' };
    }
    const job = await getJob(deps.db, data.jobId);
    if (!job) {
      log.warn('the job of this delivery is not in the database; nothing to deliver');
      return { skipped: 'job not found' };
    }
    const attempt = queueJob.attemptsMade + 1;
    const deliveryId = deliveryIdOf(data);
    const at = new Date();
    const started = performance.now();
    const payload: WebhookPayload = {
      event: data.event,
      deliveryId,
      attempt,
      deliveredAt: at.toISOString(),
      job,
    };
    const result = await attemptDelivery(deps, target, payload, at);
    const durationMs = performance.now() - started;
    await recordDelivery(deps.db, {
      webhookId: data.webhookId,
      deliveryId,
      event: data.event,
      jobId: data.jobId,
      attempt,
      ...result,
      durationMs,
      at,
    });
    // The log line has the URL's origin only: its path or query may hold a token of the receiver's.
    const line = { attempt, origin: safeOrigin(target.url), statusCode: result.statusCode, durationMs };
    if (result.outcome === 'delivered') {
      log.info(line, 'webhook delivered');
      return { statusCode: result.statusCode };
    }
    log.warn({ ...line, error: result.error }, `webhook delivery ${result.outcome}`);
    if (result.outcome === 'refused') throw new UnrecoverableError(result.error);
    throw new Error(result.error);
  };
}

async function attemptDelivery(
  deps: DeliveryDeps,
  stored: { url: string; secret: string },
  payload: WebhookPayload,
  at: Date,
): Promise<AttemptResult> {
  let target: WebhookTarget;
  try {
    target = await resolveWebhookTarget(stored.url, { allowPrivate: deps.allowPrivate });
  } catch (error) {
    if (!(error instanceof WebhookTargetError)) throw error;
    // A name that does not resolve now may resolve later; a refused address is not tried again.
    if (error.code === 'WEBHOOK_URL_UNRESOLVED')
      return { outcome: 'failed', statusCode: null, error: `${error.code}: ${error.message}` };
    return { outcome: 'refused', statusCode: null, error: `${error.code}: ${error.message}` };
  }
  const body = JSON.stringify(payload);
  const t = Math.floor(at.getTime() / 1000);
  const timeoutMs = deps.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  try {
    const statusCode = await post(target, body, timeoutMs, {
      'content-type': 'application/json',
      'user-agent': 'Strongbox-Webhooks/1',
      'strongbox-event': payload.event,
      'strongbox-delivery': payload.deliveryId,
      [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(stored.secret, t, body),
    });
    if (statusCode >= 200 && statusCode < 300) return { outcome: 'delivered', statusCode, error: null };
    const redirect = statusCode >= 300 && statusCode < 400 ? '; redirects are not followed' : '';
    return { outcome: 'failed', statusCode, error: `The receiver answered ${statusCode}${redirect}` };
  } catch (error) {
    return { outcome: 'failed', statusCode: null, error: describeNetworkError(error, timeoutMs) };
  }
}

/**
 * POSTs `body` to the target's URL over a new connection to the address checked (never another
 * that the name may resolve to now), and answers the status once the answer's headers have come.
 * The answer's body is not read. The whole attempt is bounded by `timeoutMs`.
 */
function post(
  target: WebhookTarget,
  body: string,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<number> {
  const pinned = ((_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as LookupFunction;
  const request = target.url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(target.url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinned,
      agent: false,
      signal: AbortSignal.timeout(timeoutMs),
    });
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.on('error', reject);
    req.end(body);
  });
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'AbortError' || name === 'TimeoutError' || code === 'ABORT_ERR')
    return `No answer within ${timeoutMs} ms: the attempt timed out`;
  const text = typeof message === 'string' ? message : String(error);
  return `The request failed: ${typeof code === 'string' ? `${code}: ` : ''}${text}`;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(not a URL)';
  }
}
