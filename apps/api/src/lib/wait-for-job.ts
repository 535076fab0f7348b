import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, type Job } from '@strongbox/contract';
import { type Db, getJob } from '@strongbox/db';

/** Options for {@link waitForJob}. */
export interface WaitForJobOptions {
  /** Seconds to wait at most. */
  seconds: number;
  /** Stops waiting early, e.g. when the client went away. */
  signal?: AbortSignal;
  /**
   * Milliseconds between the first two reads; each pause is half again as long, up to `maxPollMs`.
   * @defaultValue 100
   */
  minPollMs?: number;
  /** @defaultValue 500 */
  maxPollMs?: number;
}

/**
 * Reads the job from MySQL (the truth, whoever runs the job) until it has ended, the time is up
 * or the signal fires, and answers it as last read; null if it disappeared.
 */
export async function waitForJob(db: Db, id: string, options: WaitForJobOptions): Promise<Job | null> {
  const deadline = Date.now() + options.seconds * 1000;
  let pause = options.minPollMs ?? 100;
  const maxPause = options.maxPollMs ?? 500;
  for (;;) {
    const job = await getJob(db, id);
    const left = deadline - Date.now();
    if (!job || isTerminal(job.status) || left <= 0 || options.signal?.aborted) return job;
    try {
      await sleep(Math.min(pause, left), undefined, { signal: options.signal });
    } catch {
      // Aborted: read once more below and answer what there is.
    }
    pause = Math.min(maxPause, Math.round(pause * 1.5));
  }
}
