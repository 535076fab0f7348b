import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Config, loadConfig } from '@strongbox/config';
import { isTerminal, type Job } from '@strongbox/contract';
import { connectDatabase, type Db, getJob, insertJob, migrate } from '@strongbox/db';
import {
  connectRedis,
  createQueue,
  createTickQueue,
  enqueue,
  type StrongboxQueue,
  type TickQueue,
} from '@strongbox/queue';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  type TestDatabase,
  testPrefix,
} from '@strongbox/services/testing';
import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { inject } from 'vitest';
import { type RunningWorker, startWorker, type WorkerDeps } from '../worker.js';

/** Workers in this process, on a database, a queue prefix and folders of their own. */
export interface WorkerTestEnv {
  config: Config;
  db: Db;
  /** The test database's name, as the folder lock names it. */
  database: string;
  /** A producer on the same queue, to add jobs and look at them. */
  queue: StrongboxQueue;
  /** A producer on the queue of schedule ticks. */
  ticks: TickQueue;
  logger: Logger;
  /** Starts a worker with these settings besides the environment's (a logger of its own too). */
  startWorker(
    options?: Omit<WorkerDeps, 'config' | 'db' | 'logger'> & { logger?: Logger },
  ): Promise<RunningWorker>;
  /** Stops every worker started so far, so that the next test's worker is the only one. */
  stopWorkers(): Promise<void>;
  /** A Redis connection for a BullMQ worker of the test's own; `close` disconnects it. */
  connection(): Redis;
  /** Writes `files` (relative path → content) into SOURCE_ROOT/folder. */
  makeFolder(folder: string, files: Record<string, string>): Promise<void>;
  /** Reads the job from MySQL until it has ended. */
  waitForEnd(id: string, timeoutMs?: number): Promise<Job>;
  /** Records a job in MySQL, queues it, and reads it back once it has ended. */
  runJob(request: Parameters<typeof insertJob>[1]): Promise<Job>;
  /** Stops every worker, closes every connection, drops the database, the keys and the folders. */
  close(): Promise<void>;
}

/** Options for {@link startWorkerTestEnv}. */
export interface WorkerTestEnvOptions {
  /** @defaultValue the test suite's Redis */
  redisUrl?: string;
  /** A MySQL server (no database in the URL) for the test's database. @defaultValue the suite's */
  databaseServerUrl?: string;
  /** Variables of the environment beside those the test sets. */
  env?: Record<string, string>;
  /** @defaultValue a silent one */
  logger?: Logger;
}

export async function startWorkerTestEnv(options: WorkerTestEnvOptions = {}): Promise<WorkerTestEnv> {
  const redisUrl = options.redisUrl ?? inject('redisUrl');
  const database: TestDatabase = await createTestDatabase(options.databaseServerUrl);
  const prefix = testPrefix();
  const root = await mkdtemp(path.join(tmpdir(), 'strongbox-worker-'));
  await mkdir(path.join(root, 'data'));
  const config = loadConfig({
    REDIS_URL: redisUrl,
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    SOURCE_ROOT: path.join(root, 'data'),
    BACKUP_FOLDER: path.join(root, 'backup'),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const db = await connectDatabase(config.databaseUrl);
  await migrate(db);
  const producer = connectRedis(redisUrl, 'producer');
  // Tests of outages stop Redis: the reconnection attempts are expected, not worth a report.
  producer.on('error', () => undefined);
  const queue = createQueue({ connection: producer, prefix });
  const ticks = createTickQueue({ connection: producer, prefix });
  const logger = options.logger ?? pino({ level: 'silent' });
  const workers: RunningWorker[] = [];
  const connections: Redis[] = [producer];

  async function waitForEnd(id: string, timeoutMs = 30_000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The database may be down for a while in a test of outages.
      const job = await getJob(db, id).catch(() => null);
      if (job && isTerminal(job.status)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} did not end: ${JSON.stringify(job)}`);
      await sleep(50);
    }
  }

  return {
    config,
    db,
    database: database.name,
    queue,
    ticks,
    logger,
    async startWorker(options = {}) {
      // The reconciler is tested on its own: here it runs once at start and never again.
      const worker = await startWorker({ reconcileIntervalMs: 3_600_000, logger, ...options, config, db });
      workers.push(worker);
      // A test's own jobs go in after the pass at start: it would otherwise race it, and a job it
      // adds could find the one the pass added, with the product's options, not the test's.
      await worker.reconciled;
      return worker;
    },
    async stopWorkers() {
      for (const worker of workers.splice(0)) await worker.close();
    },
    connection() {
      const connection = connectRedis(redisUrl, 'worker');
      connection.on('error', () => undefined);
      connections.push(connection);
      return connection;
    },
    async makeFolder(folder, files) {
      for (const [name, content] of Object.entries(files)) {
        const file = path.join(config.sourceRoot, folder, name);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, content);
      }
    },
    waitForEnd,
    async runJob(request) {
      const { job } = await insertJob(db, request);
      await enqueue(queue, job);
      return waitForEnd(job.id);
    },
    async close() {
      for (const worker of workers.splice(0)) await worker.close();
      await queue.close();
      await ticks.close();
      for (const connection of connections) connection.disconnect();
      await db.end();
      await database.drop();
      await cleanupRedisPrefix(redisUrl, prefix);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it holds; fails with `describe()` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  describe: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(describe());
    await sleep(50);
  }
}
