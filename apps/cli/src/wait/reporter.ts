import type { Job } from '../api/types.js';

/** Shows a job while the client waits on it. */
export interface Reporter {
  /** Each answer, the first one included, with the time it came. */
  update(job: Job, at: number): void;
  /** Waiting has stopped, for whatever reason: leave the terminal clean. */
  stop(): void;
}
