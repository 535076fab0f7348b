import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '@strongbox/config';
import { connectDatabase, type Db, migrate } from '@strongbox/db';
import {
  connectRedis,
  createQueue,
  createTickQueue,
  type StrongboxQueue,
  type TickQueue,
} from '@strongbox/queue';
import { cleanupRedisPrefix, createTestDatabase, testPrefix } from '@strongbox/services/testing';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import { type BuildAppOptions, buildApp } from '../app.js';

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
}

/** An app on a database, a queue prefix and source/backup folders of its own. */
export interface TestApp {
  app: FastifyInstance;
  db: Db;
  queue: StrongboxQueue;
  ticks: TickQueue;
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
  const app = await buildApp(
    {
      config,
      db,
      queue,
      ticks,
      redis,
      ...(options.repositoryCheckMs === undefined ? {} : { repositoryCheckMs: options.repositoryCheckMs }),
    },
    { logger: options.logger ?? false },
  );
  await app.ready();

  return {
    app,
    db,
    queue,
    ticks,
    redis,
    config,
    async close() {
      await app.close();
      await queue.close().catch(() => undefined);
      await ticks.close().catch(() => undefined);
      redis.disconnect();
      await db.end();
      await database.drop();
      if (options.redisUrl === undefined) await cleanupRedisPrefix(redisUrl, prefix);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** ISO-8601 UTC with milliseconds and Z, as the contract writes dates. */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
