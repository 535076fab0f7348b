import { eventOf, type Job } from '@strongbox/contract';
import { type Db, webhooksFor } from '@strongbox/db';
import { enqueueDelivery, type WebhookQueue } from '@strongbox/queue';
import type { Logger } from 'pino';

/** Told of every job whose end has just been recorded; never throws, never makes the caller wait. */
export interface JobEndNotifier {
  jobEnded(job: Job | null): void;
  /** Resolves once every notification begun so far has been queued or given up (for closing). */
  settled(): Promise<void>;
}

/** A notifier that tells nobody: the processor's default when no webhook queue is given. */
export const NO_NOTIFIER: JobEndNotifier = {
  jobEnded: () => undefined,
  settled: async () => undefined,
};

/** How long queueing one end's deliveries may take before it is given up (Redis down or slow). */
export const ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * Queues a delivery for every webhook that wants the end of `job` (its event, and its folder or all
 * folders). Called after the end is recorded in MySQL, and not awaited: a webhook never delays nor
 * fails a job. When MySQL or Redis refuses, the deliveries of that end are lost; that is logged
 * (as a warning, with the job's id) and nothing else changes.
 */
export function webhookNotifier(options: {
  db: Db;
  queue: WebhookQueue;
  logger: Logger;
  /** @defaultValue {@link ENQUEUE_TIMEOUT_MS} */
  timeoutMs?: number;
}): JobEndNotifier {
  const timeoutMs = options.timeoutMs ?? ENQUEUE_TIMEOUT_MS;
  const pending = new Set<Promise<void>>();
  return {
    jobEnded(job) {
      const event = job ? eventOf(job) : null;
      if (!job || !event) return;
      const queueing = (async () => {
        for (const webhookId of await webhooksFor(options.db, event, job.folder)) {
          await enqueueDelivery(options.queue, { webhookId, jobId: job.id, event, folder: job.folder });
        }
      })();
      // BullMQ waits for a connection that is down rather than fail: the wait is bounded here.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis did not take the deliveries within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      const work = Promise.race([queueing, timeout])
        .catch((error: unknown) =>
          options.logger.warn(
            { err: error, jobId: job.id, event },
            'could not queue the webhook deliveries of a job; the job itself is recorded',
          ),
        )
        .finally(() => {
          clearTimeout(timer);
          pending.delete(work);
        });
      pending.add(work);
    },
    async settled() {
      await Promise.all([...pending]);
    },
  };
}
