import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../api/client.js';
import { isEnded, type Job } from '../api/types.js';
import { ApiUnavailableError } from '../errors/api-unavailable-error.js';
import { InterruptedError } from '../errors/interrupted-error.js';
import { WaitTimeoutError } from '../errors/wait-timeout-error.js';
import type { Reporter } from './reporter.js';

/** How often the job is asked for; the workers record progress about once a second. */
export const POLL_INTERVAL_MS = 500;

export interface WaitOptions {
  /** Give up (exit 5) when the job has not ended after this long; wait for ever without it. */
  timeoutMs?: number | undefined;
}

/**
 * Polls `GET /backups/{id}` until the job ends, showing each answer. Ctrl-C stops the waiting,
 * not the job: it throws InterruptedError, which names the job that goes on.
 */
export async function waitForEnd(
  client: ApiClient,
  first: Job,
  reporter: Reporter,
  options: WaitOptions = {},
): Promise<Job> {
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.on('SIGINT', onSigint);
  const deadline =
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  let job = first;
  try {
    reporter.update(job, Date.now());
    while (!isEnded(job)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(job, options.timeoutMs!);
      await sleep(Math.min(POLL_INTERVAL_MS, left), undefined, { signal: interrupt.signal });
      const answer = await client.request<Job>('GET', `/backups/${encodeURIComponent(job.id)}`, {
        signal: interrupt.signal,
      });
      job = answer.body;
      reporter.update(job, Date.now());
    }
    return job;
  } catch (error) {
    if (interrupt.signal.aborted) throw new InterruptedError(job);
    if (error instanceof ApiUnavailableError) {
      throw new ApiUnavailableError(
        `${error.message}; ${job.kind} ${job.id} goes on (strongbox status ${job.id} --wait)`,
      );
    }
    throw error;
  } finally {
    reporter.stop();
    process.off('SIGINT', onSigint);
  }
}
