import { ConfigError, loadConfig } from '@strongbox/config';
import { connectDatabaseWhenUp, migrate } from '@strongbox/db';
import { loggerOptions } from '@strongbox/logging';
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { startWorkerMetrics } from './metrics/worker-metrics.js';
import { repositoryOf } from './repository.js';
import { startWorker } from './worker.js';

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
})();

const logger = pino({
  ...loggerOptions({
    level: config.logLevel,
    format: config.logFormat,
    isTTY: process.stdout.isTTY === true,
  }),
  base: { service: 'worker', pid: process.pid },
});
// Started before its database (a container beside it), it waits instead of crashing; BullMQ's
// connections wait for Redis the same way.
const db = await connectDatabaseWhenUp(config.databaseUrl, {
  connectionLimit: config.workerConcurrency * 2 + 4,
  onRetry: ({ error, attempt, delayMs }) =>
    logger.warn({ err: error, attempt, retryInMs: delayMs }, 'MySQL is not reachable yet; retrying'),
});
const applied = await migrate(db, {
  onApplied: (name) => logger.info({ migration: name }, 'migration applied'),
});
if (applied.length === 0) logger.debug('schema is up to date');
const metrics = config.metricsPort === null ? null : await startWorkerMetrics(config, db, config.metricsPort);
if (metrics) logger.info({ url: metrics.url }, 'metrics served');
const worker = await startWorker({ config, db, logger, metrics: metrics?.jobs });

// Running jobs get a minute to end; a job cut off then is handed to another worker by the queue.
closeWithGrace({ delay: 60_000, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'worker stopping after an error');
  else logger.info({ signal }, 'worker stopping');
  await worker.close();
  await repositoryOf(config, db).close();
  await metrics?.close();
  await db.end();
});
