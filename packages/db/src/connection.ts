import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';

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

/** Runs `work` in a transaction on one connection, committing when it resolves. */
export async function inTransaction<T>(db: Db, work: (connection: DbConnection) => Promise<T>): Promise<T> {
  const connection = await db.getConnection();
  try {
    await connection.beginTransaction();
    const result = await work(connection);
    await connection.commit();
    return result;
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
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
