import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../api/client.js';
import { isEnded, type Job } from '../api/types.js';
import { ApiUnavailableError } from '../errors/api-unavailable-error.js';
import { InterruptedError } from '../errors/interrupted-error.js';
import { WaitTimeoutError } from '../errors/wait-timeout-error.js';
import { formatDuration } from '../output/units.js';
import type { Reporter } from './reporter.js';

/** How often the job is asked for; the workers record progress about once a second. */
export const POLL_INTERVAL_MS = 500;

/** How long a wait goes on asking while the API does not answer, unless told otherwise. */
export const DEFAULT_RETRY_FOR_MS = 60_000;

// Pauses between polls while the API does not answer: 0.5 s, doubling, at most 5 s.
const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 5_000;

export interface WaitOptions {
  /** Give up (exit 5) when the job has not ended after this long; wait for ever without it. */
  timeoutMs?: number | undefined;
  /**
   * While the API does not answer (a restart, a proxy answering 502/503), keep asking for this
   * long before giving up (exit 3). Each failed poll counts from the first one of the outage.
   * @defaultValue {@link DEFAULT_RETRY_FOR_MS}
   */
  retryForMs?: number | undefined;
}

/**
 * Polls `GET /backups/{id}` until the job ends, showing each answer. An API that stops answering
 * is asked again, with growing pauses, for `retryForMs`: the reporter says so, and says when it
 * answers again. Ctrl-C stops the waiting, not the job: it throws InterruptedError, which names
 * the job that goes on.
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
  const retryForMs = options.retryForMs ?? DEFAULT_RETRY_FOR_MS;
  let job = first;
  let outage: { since: number; pauseMs: number } | null = null;
  try {
    reporter.update(job, Date.now());
    while (!isEnded(job)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(job, options.timeoutMs!);
      const pause = outage ? outage.pauseMs : POLL_INTERVAL_MS;
      await sleep(Math.min(pause, left), undefined, { signal: interrupt.signal });
      try {
        const answer = await client.request<Job>('GET', `/backups/${encodeURIComponent(job.id)}`, {
          signal: interrupt.signal,
        });
        job = answer.body;
      } catch (error) {
        if (!(error instanceof ApiUnavailableError) || interrupt.signal.aborted) throw error;
        const now = Date.now();
        if (outage === null) {
          outage = { since: now, pauseMs: FIRST_RETRY_MS };
          reporter.notice(
            `${error.message}; asking again for up to ${formatDuration(retryForMs)} (${job.kind} ${job.id} goes on)`,
          );
        } else {
          outage.pauseMs = Math.min(outage.pauseMs * 2, LAST_RETRY_MS);
        }
        if (now - outage.since >= retryForMs) {
          throw new ApiUnavailableError(`${error.message}, for ${formatDuration(now - outage.since)}`);
        }
        continue;
      }
      if (outage) {
        reporter.notice(`the API answers again, after ${formatDuration(Date.now() - outage.since)}`);
        outage = null;
      }
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
