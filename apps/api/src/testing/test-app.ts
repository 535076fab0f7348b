import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '@strongbox/config';
import { connectDatabase, type Db, migrate } from '@strongbox/db';
import {
  connectRedis,
  createQueue,
  createTickQueue,
  createWebhookQueue,
  type StrongboxQueue,
  type TickQueue,
  type WebhookQueue,
} from '@strongbox/queue';
import { cleanupRedisPrefix, createTestDatabase, testPrefix } from '@strongbox/services/testing';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterEach, expect, inject, vi } from 'vitest';
import { type AppDeps, type BuildAppOptions, buildApp } from '../app.js';

/**
 * Test apps and scratch folders for the tests of a file or a describe block (call it there): each
 * is closed or removed after its test, whatever the test did, in the reverse order of making.
 */
export function useTestApps(defaults: Omit<TestAppOptions, 'env'> = {}) {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const afterTest = (cleanup: () => Promise<unknown>) => {
    cleanups.push(cleanup);
  };
  return {
    /** An app of {@link startTestApp} with `env` over the defaults, closed after the test. */
    async app(env: Record<string, string> = {}, options: Omit<TestAppOptions, 'env'> = {}): Promise<TestApp> {
      const t = await startTestApp({ ...defaults, ...options, env });
      afterTest(() => t.close());
      return t;
    },
    /** A new empty folder, removed after the test. */
    async directory(prefix = 'strongbox-api-test-'): Promise<string> {
      const dir = await mkdtemp(path.join(tmpdir(), prefix));
      afterTest(() => rm(dir, { recursive: true, force: true }));
      return dir;
    },
    /** Runs `cleanup` after the test, before what was made earlier is cleaned up. */
    afterTest,
  };
}

/** Options for {@link startTestApp}. */
export interface TestAppOptions {
  /** API_TOKENS. */
  apiTokens?: string;
  /** Redis to use instead of the test server's, e.g. a closed port. */
  redisUrl?: string;
  /** More environment variables (BULL_BOARD_READ_ONLY, METRICS_TOKEN, RATE_LIMIT_MAX…). */
  env?: Record<string, string>;
  /** Fastify's logger option, e.g. `{ level: 'trace', stream }` to read what the API logs. */
  logger?: BuildAppOptions['logger'];
  /** innodb_lock_wait_timeout of the app's MySQL connections, in seconds (the server's: 50). */
  lockWaitTimeoutSeconds?: number;
  /** How long /ready keeps the repository's answer. @defaultValue the app's */
  repositoryCheckMs?: number;
  /** Called with each batch of new jobs once committed, before they are queued. */
  afterJobsCommitted?: AppDeps['afterJobsCommitted'];
}

/** An app on a database, a queue prefix and source/backup folders of its own. */
export interface TestApp {
  app: FastifyInstance;
  db: Db;
  queue: StrongboxQueue;
  ticks: TickQueue;
  webhooks: WebhookQueue;
  redis: Redis;
  config: Config;
  /** Closes everything and removes the database, the Redis keys and the folders. */
  close(): Promise<void>;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const prefix = testPrefix();
  const redisUrl = options.redisUrl ?? inject('redisUrl');
  const root = await mkdtemp(path.join(tmpdir(), 'strongbox-api-'));
  await mkdir(path.join(root, 'data'));
  await mkdir(path.join(root, 'backup'));
  const config = loadConfig({
    REDIS_URL: redisUrl,
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    SOURCE_ROOT: path.join(root, 'data'),
    BACKUP_FOLDER: path.join(root, 'backup'),
    API_TOKENS: options.apiTokens,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const db = await connectDatabase(config.databaseUrl);
  const { lockWaitTimeoutSeconds } = options;
  if (lockWaitTimeoutSeconds !== undefined) {
    db.on('connection', (connection) => {
      connection.query('SET SESSION innodb_lock_wait_timeout = ?', [lockWaitTimeoutSeconds]);
    });
  }
  await migrate(db);
  const redis = connectRedis(config.redisUrl, 'producer');
  redis.on('error', () => undefined);
  const queue = createQueue({ connection: redis, prefix });
  queue.on('error', () => undefined);
  const ticks = createTickQueue({ connection: redis, prefix });
  ticks.on('error', () => undefined);
  const webhooks = createWebhookQueue({ connection: redis, prefix });
  webhooks.on('error', () => undefined);
  const app = await buildApp(
    {
      config,
      db,
      queue,
      ticks,
      webhooks,
      redis,
      ...(options.repositoryCheckMs === undefined ? {} : { repositoryCheckMs: options.repositoryCheckMs }),
      ...(options.afterJobsCommitted ? { afterJobsCommitted: options.afterJobsCommitted } : {}),
    },
    { logger: options.logger ?? false },
  );
  await app.ready();

  return {
    app,
    db,
    queue,
    ticks,
    webhooks,
    redis,
    config,
    async close() {
      await app.close();
      await queue.close().catch(() => undefined);
      await ticks.close().catch(() => undefined);
      await webhooks.close().catch(() => undefined);
      redis.disconnect();
      await db.end();
      await database.drop();
      if (options.redisUrl === undefined) await cleanupRedisPrefix(redisUrl, prefix);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** ISO-8601 UTC with milliseconds and Z, as the contract writes dates. */
/**
 * Holds the backup job counts in a transaction of its own (`SELECT … FOR UPDATE`), so that a
 * request recording a backup waits for them; `release()` rolls it back and is safe to call twice.
 */
export async function holdJobCounts(db: Db): Promise<{ release(): Promise<void> }> {
  const connection = await db.getConnection();
  await connection.query('START TRANSACTION');
  await connection.query("SELECT jobs FROM job_count WHERE kind = 'backup' FOR UPDATE");
  let held = true;
  return {
    async release() {
      if (!held) return;
      held = false;
      await connection.query('ROLLBACK');
      connection.release();
    },
  };
}

/**
 * Resolves once exactly `n` transactions on the database of `db` wait for a lock, as the server
 * reports them (it refreshes what INNODB_TRX shows only when nobody read it for 100 ms).
 */
export async function lockWaits(db: Db, n: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const [rows] = await db.query(
        `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t
         JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
         WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()`,
      );
      expect(Number((rows as { n: number }[])[0]?.n)).toBe(n);
    },
    { timeout: 20_000, interval: 100 },
  );
}

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
