import { type Config, ConfigError, loadConfig } from '@strongbox/config';
import { catalogBlobIndex, connectDatabaseWhenUp, migrate } from '@strongbox/db';
import { SECRET_FREE } from '@strongbox/logging';
import { connectRedis, createQueue, createTickQueue, createWebhookQueue } from '@strongbox/queue';
import { repositoryFromConfig } from '@strongbox/storage';
import closeWithGrace from 'close-with-grace';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { isLoopback } from './lib/loopback.js';

const GRACE_MS = 10_000;

/** The API process: read the environment, migrate, listen, and close everything on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = readConfig();
  if (config.apiTokens.length === 0 && !config.allowNoAuth && !isLoopback(config.host)) {
    process.stderr.write(
      `Refusing to listen on ${config.host} without API_TOKENS: anyone who can reach it could start backups. ` +
        'Set API_TOKENS, listen on 127.0.0.1 (HOST), or set ALLOW_NO_AUTH=true if something in front of the API checks callers.\n',
    );
    process.exit(1);
  }

  // Started before its database (a container beside it), it waits instead of crashing.
  const startup = pino({
    level: config.logLevel,
    ...SECRET_FREE,
    base: { service: 'api', pid: process.pid },
  });
  const db = await connectDatabaseWhenUp(config.databaseUrl, {
    onRetry: ({ error, attempt, delayMs }) =>
      startup.warn({ err: error, attempt, retryInMs: delayMs }, 'MySQL is not reachable yet; retrying'),
  });
  const redis = connectRedis(config.redisUrl, 'producer');
  // A producer fails fast while Redis is down; the API still answers and the reconciler catches up.
  let log: FastifyBaseLogger | undefined;
  redis.on('error', (error) => log?.warn({ err: error }, 'redis connection error'));
  const queue = createQueue({ connection: redis, prefix: config.queuePrefix });
  queue.on('error', (error) => log?.warn({ err: error }, 'queue error'));
  const ticks = createTickQueue({ connection: redis, prefix: config.queuePrefix });
  ticks.on('error', (error) => log?.warn({ err: error }, 'schedule queue error'));
  const webhooks = createWebhookQueue({ connection: redis, prefix: config.queuePrefix });
  webhooks.on('error', (error) => log?.warn({ err: error }, 'webhook queue error'));
  const repository = repositoryFromConfig(config.repository, {
    index: (repositoryId) => catalogBlobIndex(db, repositoryId),
  });
  const app = await buildApp({
    config,
    db,
    queue,
    ticks,
    webhooks,
    redis,
    repository,
    afterJobsCommitted: holdAfterCommit(() => log),
  });
  log = app.log;

  closeWithGrace({ delay: GRACE_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'closing');
    await app.close();
    await queue.close();
    await ticks.close();
    await webhooks.close();
    redis.disconnect();
    await repository.close();
    await db.end();
  });

  const applied = await migrate(db, {
    onApplied: (name) => app.log.info({ migration: name }, 'migration applied'),
  });
  app.log.info({ applied: applied.length }, 'schema up to date');
  await app.listen({ host: config.host, port: config.port });
}

/**
 * The pause point of the kill test (test/e2e/enqueue-crash.test.ts), only when
 * STRONGBOX_TEST_HOLD_AFTER_COMMIT=1: a batch of new jobs, once committed, says so in the log and
 * is never queued, so the test can kill the process between the commit and `Queue.addBulk`.
 */
function holdAfterCommit(log: () => FastifyBaseLogger | undefined) {
  if (process.env.STRONGBOX_TEST_HOLD_AFTER_COMMIT !== '1') return undefined;
  return (jobs: { id: string }[]) => {
    log()?.warn({ jobIds: jobs.map((job) => job.id) }, 'test hook: jobs committed, held before the queue');
    return new Promise<void>(() => {});
  };
}

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `The API could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
