import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { inject } from 'vitest';
import './provided-context.js';

export { checkPromtool, type PromtoolCheck, type PromtoolRun, runPromtool } from './promtool.js';
export { checkS3, type S3Check } from './s3-check.js';

/** A database of its own for one test file. */
export interface TestDatabase {
  /** A DATABASE_URL pointing at the new database. */
  url: string;
  /** e.g. `strongbox_test_3f9a1c2b7d4e` */
  name: string;
  /** Drops the database. */
  drop(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Creates an empty database `strongbox_test_<random>` on the test server (the provided `databaseUrl`,
 * or `serverUrl`), and returns a URL for it. Call `drop()` in `afterAll`.
 */
export async function createTestDatabase(serverUrl: string = inject('databaseUrl')): Promise<TestDatabase> {
  const name = `strongbox_test_${randomBytes(6).toString('hex')}`;
  const url = withDatabase(serverUrl, name);
  const server = withDatabase(serverUrl, '');
  await onServer(server, `CREATE DATABASE \`${name}\``);
  return { url, name, drop: () => onServer(server, `DROP DATABASE IF EXISTS \`${name}\``) };
}

/** A BullMQ key prefix of its own for one test file, e.g. `sbtest-3f9a1c2b`. */
export function testPrefix(): string {
  return `sbtest-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `<prefix>:` (SCAN + UNLINK). Call it in `afterAll` with your {@link testPrefix}. */
export async function cleanupRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = database === '' ? '' : `/${database}`;
  return url.toString();
}

async function onServer(url: string, sql: string): Promise<void> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: CONNECT_TIMEOUT_MS });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}
