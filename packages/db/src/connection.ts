import { setTimeout as sleep } from 'node:timers/promises';
import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';
import { DatabaseBusyError } from './errors.js';

export type Db = Pool;
export type DbConnection = PoolConnection;

/** Options for {@link connectDatabase}. */
export interface ConnectOptions {
  /**
   * Connections kept open at most.
   * @defaultValue 10
   */
  connectionLimit?: number;
  /**
   * Milliseconds to wait for the server when connecting.
   * @defaultValue 10000
   */
  connectTimeout?: number;
}

/**
 * Opens a pool on the database named in `url`, creating the database first when it does not
 * exist. Every connection speaks UTC, so TIMESTAMP and DATETIME columns mean the same instant
 * whatever the server's own time zone is.
 */
export async function connectDatabase(url: string, options: ConnectOptions = {}): Promise<Db> {
  const { database, config } = parseDatabaseUrl(url);
  const connectTimeout = options.connectTimeout ?? 10_000;
  const admin = await mysql.createConnection({ ...config, connectTimeout });
  try {
    await admin.query(
      `CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
  } finally {
    await admin.end();
  }
  const pool = mysql.createPool({
    ...config,
    database,
    connectTimeout,
    connectionLimit: options.connectionLimit ?? 10,
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    waitForConnections: true,
    // Lets a job be recorded with its counters in one round trip (jobs/insert-job.ts). Every
    // statement in this package passes its values as parameters, so no value can add a statement.
    multipleStatements: true,
  });
  pool.on('connection', (connection) => {
    // The callback API is the only one the pool's 'connection' event offers.
    connection.query("SET time_zone = '+00:00'");
  });
  return pool;
}

/** Options for {@link inTransaction}. */
export interface TransactionOptions {
  /**
   * `work` sends everything in one round trip and delimits the transaction itself: one statement,
   * which commits on its own, or a batch `START TRANSACTION; …; COMMIT`. The helper then sends no
   * BEGIN or COMMIT of its own; a failed attempt is still rolled back.
   */
  oneRoundTrip?: boolean;
}

/** How many times a transaction is tried while the server keeps refusing it for lock conflicts. */
export const TRANSACTION_ATTEMPTS = 5;

/** The wait before the second attempt at most, in milliseconds; it doubles before each further one. */
const TRANSACTION_BACKOFF_MS = 25;

// What the server answers a transaction that another one's locks stopped: a deadlock, of which it
// was chosen the victim (1213, the whole transaction is rolled back), or a wait for a lock longer
// than innodb_lock_wait_timeout (1205, only the statement is). Either way another try may succeed.
const LOCK_CONFLICTS: ReadonlySet<string> = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/**
 * Runs `work` in a transaction on one connection, committing when it resolves. Every write of
 * this package goes through here. When the server ends an attempt for a lock conflict (a deadlock
 * or a lock wait timeout), the attempt is rolled back and the whole of `work` runs again, from its
 * first statement, on a fresh transaction: up to {@link TRANSACTION_ATTEMPTS} attempts in all, the
 * n-th retry after a random wait between half and all of `TRANSACTION_BACKOFF_MS × 2^(n−1)` (so
 * that two transactions that met do not meet again at once). Any other error is not retried.
 *
 * `work` may therefore run more than once: it must do nothing outside the transaction that a
 * second run would repeat wrongly.
 *
 * @throws DatabaseBusyError when every attempt met a lock conflict.
 */
export async function inTransaction<T>(
  db: Db,
  work: (connection: DbConnection) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptTransaction(db, work, options);
    } catch (error) {
      if (!isLockConflict(error)) throw error;
      if (attempt >= TRANSACTION_ATTEMPTS) throw new DatabaseBusyError(attempt, error);
      const most = TRANSACTION_BACKOFF_MS * 2 ** (attempt - 1);
      await sleep(most / 2 + Math.random() * (most / 2));
    }
  }
}

async function attemptTransaction<T>(
  db: Db,
  work: (connection: DbConnection) => Promise<T>,
  options: TransactionOptions,
): Promise<T> {
  const connection = await db.getConnection();
  try {
    if (!options.oneRoundTrip) await connection.beginTransaction();
    const result = await work(connection);
    if (!options.oneRoundTrip) await connection.commit();
    return result;
  } catch (error) {
    // Sent as a statement, so that it is one whatever `work` began; nothing is left open on a
    // connection that goes back to the pool.
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}

/** Whether the server refused a statement for a lock conflict: a deadlock or a lock wait timeout. */
function isLockConflict(error: unknown): boolean {
  return LOCK_CONFLICTS.has(String((error as { code?: unknown } | null)?.code));
}

/** Splits a `mysql://user:pass@host:port/db` URL into the database name and connection options. */
export function parseDatabaseUrl(url: string): {
  database: string;
  config: { host: string; port: number; user: string; password: string };
} {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'strongbox';
  return {
    database,
    config: {
      host: parsed.hostname || '127.0.0.1',
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username || 'root'),
      password: decodeURIComponent(parsed.password),
    },
  };
}
