import { mkdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Config } from '@strongbox/config';
import { type Db, finishJob, parseDatabaseUrl } from '@strongbox/db';
import { connectRedis, createQueue, type JobData, QUEUE_NAME } from '@strongbox/queue';
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { createProcessor } from './process-job.js';
import { startReconciler } from './reconciler.js';

export interface WorkerDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /**
   * Milliseconds between two reconciliations with the queue.
   * @defaultValue 30000
   */
  reconcileIntervalMs?: number;
}

export interface RunningWorker {
  name: string;
  /** Stops taking jobs, lets the running ones end, and closes Redis. */
  close(): Promise<void>;
}

/** Starts one worker process's share of the work: the BullMQ worker and the reconciler. */
export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const { config, db, logger } = deps;
  const name = `${hostname()}:${process.pid}`;
  await prepareFolders(config, logger);
  const workerConnection = connectRedis(config.redisUrl, 'worker');
  const queueConnection = connectRedis(config.redisUrl, 'worker');
  const queue = createQueue({ connection: queueConnection, prefix: config.queuePrefix });

  const worker = new Worker<JobData>(
    QUEUE_NAME,
    createProcessor({
      config,
      db,
      database: parseDatabaseUrl(config.databaseUrl).database,
      logger,
      workerName: name,
    }),
    {
      connection: workerConnection,
      prefix: config.queuePrefix,
      concurrency: config.workerConcurrency,
      // A worker that dies mid-job stops renewing its lock; within about 15 to 30 s another worker
      // takes the job over. After three such deaths the job is failed (WORKER_LOST). The engine
      // copies in threads, so the event loop renews locks on time even during large copies.
      lockDuration: 15_000,
      stalledInterval: 15_000,
      maxStalledCount: 2,
      name,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  worker.on('failed', (job, error) => {
    // The queue gives up on a job on its own when it stalled too often: record that end too.
    if (job && error.message.includes('stalled')) {
      finishJob(db, job.data.id, {
        status: 'failed',
        error: { code: 'WORKER_LOST', message: error.message },
      }).catch((cause) => logger.error({ err: cause, jobId: job.data.id }, 'could not record a lost job'));
    }
  });
  await worker.waitUntilReady();

  const stopReconciler = startReconciler({
    db,
    queue,
    logger,
    intervalMs: deps.reconcileIntervalMs ?? 30_000,
  });
  logger.info(
    { worker: name, concurrency: config.workerConcurrency, prefix: config.queuePrefix },
    'worker ready',
  );

  return {
    name,
    async close() {
      await stopReconciler();
      await worker.close();
      await queue.close();
      workerConnection.disconnect();
      queueConnection.disconnect();
    },
  };
}

/**
 * Creates BACKUP_FOLDER when it does not exist yet (it is this process's to write), and warns when
 * SOURCE_ROOT is missing: every backup would then fail with NO_SUCH_DIRECTORY.
 */
async function prepareFolders(config: Config, logger: Logger): Promise<void> {
  await mkdir(config.backupFolder, { recursive: true, mode: 0o700 });
  const source = await stat(config.sourceRoot).catch(() => null);
  if (!source?.isDirectory()) {
    logger.warn(
      { sourceRoot: config.sourceRoot },
      'SOURCE_ROOT is not a directory: every backup will fail until it is',
    );
  }
}
