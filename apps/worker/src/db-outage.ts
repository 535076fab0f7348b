import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/** Options for {@link waitOutOutage}. */
export interface OutageOptions {
  /** How long to keep trying, in ms, from the first failure (DB_OUTAGE_TOLERANCE_SECONDS). */
  toleranceMs: number;
  /** Stops the waiting: the call then rejects with the last error. */
  signal?: AbortSignal | undefined;
  log: Logger;
  /** What is being recorded, for the log: "recording the end of the job". */
  what: string;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

// What mysql2 and the server answer when the server cannot be reached or went away; mysql2 also
// marks such errors `fatal`.
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_CON_COUNT_ERROR',
  'ER_NET_READ_ERROR',
  'ER_NET_WRITE_INTERRUPTED',
]);

/** Whether an error says that the database could not be reached, rather than that a query was wrong. */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, fatal } = error as { code?: unknown; fatal?: unknown };
  return fatal === true || (typeof code === 'string' && UNREACHABLE.has(code));
}

/**
 * Runs `work`, a piece of the job's bookkeeping in MySQL, and while the database cannot be reached
 * runs it again with a growing pause (250 ms doubling to 5 s) until `toleranceMs` has passed since
 * the first failure. Attempts of a job are for failures of its work: an outage of the database
 * costs none, and a copy already made is not made again. `work` must be safe to repeat (the
 * queries that record a job's start and end are). Any other error is thrown at once.
 */
export async function waitOutOutage<T>(work: () => Promise<T>, options: OutageOptions): Promise<T> {
  let firstFailure: number | undefined;
  let delay = FIRST_DELAY_MS;
  for (let tries = 1; ; tries++) {
    try {
      const result = await work();
      if (firstFailure !== undefined) {
        options.log.info(
          { tries, waitedMs: Date.now() - firstFailure },
          `the database is back; done ${options.what}`,
        );
      }
      return result;
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      firstFailure ??= Date.now();
      const waited = Date.now() - firstFailure;
      if (waited >= options.toleranceMs || options.signal?.aborted) throw error;
      if (tries === 1 || tries % 10 === 0) {
        options.log.warn(
          { err: error, tries, waitedMs: waited, toleranceMs: options.toleranceMs },
          `the database cannot be reached; waiting for it before ${options.what}`,
        );
      }
      const pause = Math.min(delay, options.toleranceMs - waited);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
      await sleep(pause, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
}
