import { mkdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Config } from '@strongbox/config';
import type { Db } from '@strongbox/db';
import type { JobMetrics } from '@strongbox/metrics';
import {
  connectRedis,
  createQueue,
  createTickQueue,
  createWebhookQueue,
  DELIVERY_RETRIES,
  type DeliveryData,
  type JobData,
  QUEUE_NAME,
  WEBHOOK_QUEUE_NAME,
  type WebhookQueue,
} from '@strongbox/queue';
import { repositoryFromConfig } from '@strongbox/storage';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { rebuildCatalogIfNew } from './catalog-at-start.js';
import { type Hooks, loadHooks } from './hooks/hooks-file.js';
import { isStalledTooOften, recordLostJob } from './lost-job.js';
import { observeJobs } from './metrics/observe-jobs.js';
import { createProcessor, type ProcessorDeps } from './process-job.js';
import { StrongboxWorker } from './queue-failure.js';
import { startReconciler } from './reconciler.js';
import { repositoryOf } from './repository.js';
import { whenRepositoryOpens } from './repository-gate.js';
import { startTickWorker } from './schedules/tick-worker.js';
import { startSweeper } from './sweeper.js';
import { createDeliveryProcessor } from './webhooks/deliver.js';
import { webhookNotifier } from './webhooks/notify.js';

export interface WorkerDeps
  extends Pick<ProcessorDeps, 'folderBusyDelayMs' | 'folderLock' | 'runners' | 'hooks'> {
  config: Config;
  db: Db;
  logger: Logger;
  /**
   * Milliseconds between two reconciliations with the queue.
   * @defaultValue 30000
   */
  reconcileIntervalMs?: number;
  /**
   * Milliseconds between two sweeps of the backup folder (sweeper.ts); the first runs at start.
   * @defaultValue 300000
   */
  sweepIntervalMs?: number;
  /**
   * How the queue notices a dead worker: a job's lock lasts `lockDurationMs` unless its worker
   * renews it, stalled jobs are looked for every `stalledIntervalMs`, and a job that stalled more
   * than `maxStalledCount` times is failed (WORKER_LOST).
   * @defaultValue `{ lockDurationMs: 15000, stalledIntervalMs: 15000, maxStalledCount: 2 }`
   */
  stalls?: StallSettings;
  /** Fed from the worker's job events when given (METRICS_PORT). */
  metrics?: JobMetrics;
  /**
   * Milliseconds between two attempts to open an object repository that cannot be opened (no
   * repository there yet, a missing bucket, a wrong password): no job is taken until it opens.
   * @defaultValue 15000
   */
  repositoryRetryMs?: number;
  /** How webhook deliveries are made: each attempt's timeout, the retry schedule, and their queue. */
  webhooks?: WebhookSettings;
}

export interface WebhookSettings {
  /** @defaultValue 10000 (DELIVERY_TIMEOUT_MS) */
  timeoutMs?: number;
  /** @defaultValue DELIVERY_RETRIES: 10 attempts, 5 s doubling */
  retries?: { attempts: number; firstDelayMs: number };
  /** The queue job ends are told to; by default one of the worker's own on REDIS_URL. */
  queue?: WebhookQueue;
  /** How long queueing a job end's deliveries may take. @defaultValue 5000 (ENQUEUE_TIMEOUT_MS) */
  enqueueTimeoutMs?: number;
  /** Deliveries at once in this process. @defaultValue 4 */
  concurrency?: number;
}

export interface StallSettings {
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
}

export interface RunningWorker {
  name: string;
  /**
   * Resolves once the reconciliation run at start has ended: every job MySQL held as queued or
   * running then is in the queue, with the options the worker gave it where the queue lacked it.
   */
  reconciled: Promise<void>;
  /** Stops taking jobs, lets the running ones end, and closes Redis. */
  close(): Promise<void>;
}

/** Starts one worker process's share of the work: the BullMQ worker and the reconciler. */
export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const { config, db, logger } = deps;
  const name = `${hostname()}:${process.pid}`;
  const hooks = deps.hooks ?? readHooks(config, logger);
  await prepareFolders(config, logger);
  const workerConnection = connectRedis(config.redisUrl, 'worker');
  const queueConnection = connectRedis(config.redisUrl, 'worker');
  const queue = createQueue({ connection: queueConnection, prefix: config.queuePrefix });

  // Webhooks: job ends are queued on a producer connection (it fails fast rather than waits when Redis
  // is down: a notification never holds anything up), and delivered by a worker of their own. The
  // worker does not wait for it to connect: a worker started before Redis waits for Redis as before.
  const webhookProducer = connectRedis(config.redisUrl, 'producer');
  webhookProducer.on('error', () => undefined);
  const webhookQueue =
    deps.webhooks?.queue ??
    createWebhookQueue(
      { connection: webhookProducer, prefix: config.queuePrefix },
      deps.webhooks?.retries ?? DELIVERY_RETRIES,
    );
  webhookQueue.on('error', (error) => logger.warn({ err: error }, 'webhook queue error'));
  const notifier = webhookNotifier({
    db,
    queue: webhookQueue,
    logger,
    ...(deps.webhooks?.enqueueTimeoutMs === undefined ? {} : { timeoutMs: deps.webhooks.enqueueTimeoutMs }),
  });
  const deliveryConnection = connectRedis(config.redisUrl, 'worker');
  const deliveries = new Worker<DeliveryData>(
    WEBHOOK_QUEUE_NAME,
    createDeliveryProcessor({
      db,
      logger,
      allowPrivate: config.webhookAllowPrivate,
      ...(deps.webhooks?.timeoutMs === undefined ? {} : { timeoutMs: deps.webhooks.timeoutMs }),
    }),
    {
      connection: deliveryConnection,
      prefix: config.queuePrefix,
      concurrency: deps.webhooks?.concurrency ?? 4,
      name,
    },
  );
  deliveries.on('error', (error) => logger.error({ err: error }, 'webhook delivery worker error'));

  const repository = repositoryOf(config, db);
  const worker = new StrongboxWorker<JobData>(
    QUEUE_NAME,
    createProcessor({
      config,
      db,
      logger,
      workerName: name,
      folderBusyDelayMs: deps.folderBusyDelayMs,
      folderLock: deps.folderLock,
      runners: deps.runners,
      hooks,
      notifier,
    }),
    {
      connection: workerConnection,
      prefix: config.queuePrefix,
      concurrency: config.workerConcurrency,
      // A worker that dies mid-job stops renewing its lock; within about 15 to 30 s another worker
      // takes the job over. After three such deaths the job is failed (WORKER_LOST). The engine
      // copies in threads, so the event loop renews locks on time even during large copies.
      lockDuration: deps.stalls?.lockDurationMs ?? 15_000,
      stalledInterval: deps.stalls?.stalledIntervalMs ?? 15_000,
      maxStalledCount: deps.stalls?.maxStalledCount ?? 2,
      // After a lost connection, ask Redis for jobs again within a second, not BullMQ's 15 s.
      runRetryDelay: 1_000,
      name,
      // Jobs are taken only once the repository has opened (whenRepositoryOpens below).
      autorun: false,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  worker.on('failed', (job, error) => {
    // The queue gives up on a job on its own when it stalled too often: record that end too.
    if (job && isStalledTooOften(error)) {
      recordLostJob(db, job.data.id)
        .then((ended) => notifier.jobEnded(ended))
        .catch((cause) => logger.error({ err: cause, jobId: job.data.id }, 'could not record a lost job'));
    }
  });
  if (deps.metrics) observeJobs(worker, deps.metrics);
  await worker.waitUntilReady();

  // Schedules: ticks become backup jobs here; the reconciler keeps the schedulers in line with MySQL.
  const ticks = createTickQueue({ connection: queueConnection, prefix: config.queuePrefix });
  const tickWorker = await startTickWorker(config, { db, queue, ticks, logger });

  const stopReconciler = startReconciler({
    db,
    queue,
    ticks,
    logger,
    intervalMs: deps.reconcileIntervalMs ?? 30_000,
    connection: queueConnection,
    onEnded: notifier.jobEnded,
  });
  // The object repository has nothing to sweep: a backup writes whole packs and commits with one object.
  const stopSweeper =
    repository.kind === 'local'
      ? startSweeper({ config, db, logger, intervalMs: deps.sweepIntervalMs ?? 300_000 })
      : async () => undefined;
  let catalogReady: Promise<void> = Promise.resolve();
  let closing = false;
  const stopGate = whenRepositoryOpens({
    repository,
    logger,
    retryMs: deps.repositoryRetryMs ?? 15_000,
    onOpen: () => {
      // With a database that has never held this repository's catalog, it is rebuilt before any job.
      catalogReady = rebuildCatalogIfNew(db, repository, logger)
        .catch((error: unknown) =>
          logger.error(
            { err: error, repository: repository.location },
            'the catalog could not be rebuilt from the repository; it is tried again at the next start',
          ),
        )
        .then(() => {
          if (closing) return;
          worker
            .run()
            .catch((error: unknown) => logger.error({ err: error }, 'the worker stopped taking jobs'));
        });
    },
  });
  logger.info(
    {
      worker: name,
      concurrency: config.workerConcurrency,
      prefix: config.queuePrefix,
      repository: repository.location,
    },
    'worker ready',
  );

  return {
    name,
    reconciled: stopReconciler.first,
    async close() {
      closing = true;
      await stopGate();
      await catalogReady;
      await stopReconciler();
      await stopSweeper();
      await tickWorker.close();
      await worker.close();
      await notifier.settled();
      await deliveries.close();
      if (!deps.webhooks?.queue) await webhookQueue.close();
      await ticks.close();
      await queue.close();
      workerConnection.disconnect();
      queueConnection.disconnect();
      webhookProducer.disconnect();
      deliveryConnection.disconnect();
    },
  };
}

/** The command hooks of HOOKS_FILE, read and checked once; a worker does not start with a bad file. */
function readHooks(config: Config, logger: Logger): Hooks | undefined {
  if (config.hooksFile === null) return undefined;
  try {
    const hooks = loadHooks(config.hooksFile);
    logger.info({ hooksFile: config.hooksFile }, 'command hooks read');
    return hooks;
  } catch (error) {
    logger.fatal({ err: error }, `the worker does not start: ${(error as Error).message}`);
    throw error;
  }
}

/**
 * For the local tree, creates BACKUP_FOLDER when it does not exist yet (it is this process's to write) and checks its
 * layout: a worker refuses to start on a backup folder it would not read right (an older layout,
 * or files that are not a Strongbox's), and logs why. Warns when SOURCE_ROOT is missing: every
 * backup would then fail with NO_SUCH_DIRECTORY.
 */
export async function prepareFolders(config: Config, logger: Logger): Promise<void> {
  // The object repository is opened by whenRepositoryOpens, which waits for it rather than stopping.
  if (config.repository.kind !== 'local') return checkSourceRoot(config, logger);
  await mkdir(config.backupFolder, { recursive: true, mode: 0o700 });
  try {
    // The local tree keeps no catalog: it is opened without the database.
    await repositoryFromConfig(config.repository).open();
  } catch (error) {
    logger.fatal(
      { err: error, backupFolder: config.backupFolder },
      `BACKUP_FOLDER cannot be used, the worker does not start: ${error instanceof Error ? error.message : String(error)}`,
    );
    throw error;
  }
  await checkSourceRoot(config, logger);
}

async function checkSourceRoot(config: Config, logger: Logger): Promise<void> {
  const source = await stat(config.sourceRoot).catch(() => null);
  if (!source?.isDirectory()) {
    logger.warn(
      { sourceRoot: config.sourceRoot },
      'SOURCE_ROOT is not a directory: every backup will fail until it is',
    );
  }
}
