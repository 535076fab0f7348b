import type { Config } from '@strongbox/config';
import { type JobMetrics, recordAttempt } from '@strongbox/metrics';
import { connectRedis, QUEUE_NAME, type StrongboxQueue } from '@strongbox/queue';
import { QueueEvents } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { withTimeout } from '../lib/with-timeout.js';

const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Feeds the job metrics of the API's /metrics from the queue's events, so that one scrape of the
 * API sees the jobs of every worker: each attempt that ended, by kind and outcome, and what each
 * successful backup copied and linked. Each API process counts every job once.
 */
export async function observeQueue(
  config: Config,
  queue: StrongboxQueue,
  metrics: JobMetrics,
  log: FastifyBaseLogger,
): Promise<{ close(): Promise<void> }> {
  const connection = connectRedis(config.redisUrl, 'worker');
  connection.on('error', () => undefined);
  const events = new QueueEvents(QUEUE_NAME, { connection, prefix: config.queuePrefix, autorun: true });
  events.on('error', (error) => log.debug({ err: error }, 'queue events error'));
  const ended = async (jobId: string, outcome: 'succeeded' | 'ended', result?: unknown) => {
    const job = await queue.getJob(jobId);
    if (!job) return;
    // A failed attempt is final once the job is in the failed set; otherwise it waits to be retried.
    const final =
      outcome === 'succeeded' ? 'succeeded' : (await job.getState()) === 'failed' ? 'failed' : 'retried';
    recordAttempt(metrics, job, final, result);
  };
  events.on('completed', ({ jobId, returnvalue }) => {
    ended(jobId, 'succeeded', returnvalue).catch((error) =>
      log.debug({ err: error, jobId }, 'metrics: job not read'),
    );
  });
  events.on('failed', ({ jobId }) => {
    ended(jobId, 'ended').catch((error) => log.debug({ err: error, jobId }, 'metrics: job not read'));
  });
  return {
    async close() {
      // Closing waits for the connection's blocking read; without Redis there is none to wait for.
      if (connection.status !== 'ready') connection.disconnect();
      await withTimeout(events.close(), CLOSE_TIMEOUT_MS, 'Redis').catch(() => connection.disconnect());
      connection.disconnect();
    },
  };
}
