import type { Job } from '../api/types.js';
import type { Io } from '../output/io.js';

/** Shows a job while the client waits on it. */
export interface Reporter {
  /** Each answer, the first one included, with the time it came. */
  update(job: Job, at: number): void;
  /** Something to tell about the waiting itself (the API stopped answering, then answers again): one line for stderr. */
  notice(message: string): void;
  /** Waiting has stopped, for whatever reason: leave the terminal clean. */
  stop(): void;
}

/** A notice about the waiting, on stderr as the client's errors are: standard output stays the job's. */
export function writeNotice(io: Io, message: string): void {
  io.stderr.write(`strongbox: ${message}\n`);
}
