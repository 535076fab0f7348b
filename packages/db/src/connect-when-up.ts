import { setTimeout as sleep } from 'node:timers/promises';
import { type ConnectOptions, connectDatabase, type Db } from './connection.js';

/** Options for {@link connectDatabaseWhenUp}. */
export interface ConnectWhenUpOptions extends ConnectOptions {
  /** Called before each wait, e.g. to log that the server is not reachable yet. */
  onRetry: (retry: { error: Error; attempt: number; delayMs: number }) => void;
  /**
   * The first wait; each next one doubles, up to `maxDelayMs`.
   * @defaultValue 500
   */
  firstDelayMs?: number;
  /** @defaultValue 10_000 */
  maxDelayMs?: number;
}

// The server is not there yet (a container starting beside this one, a name not in DNS yet), as
// opposed to refusing us (a wrong password), which retrying will not fix.
const NOT_UP_YET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
]);

/**
 * {@link connectDatabase}, waiting with exponential backoff for as long as the server is not up
 * yet, so that a process started before its database does not crash.
 * @throws the first error that says the server is up but refuses us.
 */
export async function connectDatabaseWhenUp(url: string, options: ConnectWhenUpOptions): Promise<Db> {
  const { onRetry, firstDelayMs = 500, maxDelayMs = 10_000, ...connectOptions } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectDatabase(url, connectOptions);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (!(error instanceof Error) || typeof code !== 'string' || !NOT_UP_YET.has(code)) throw error;
      const delayMs = Math.min(firstDelayMs * 2 ** (attempt - 1), maxDelayMs);
      onRetry({ error, attempt, delayMs });
      await sleep(delayMs);
    }
  }
}
