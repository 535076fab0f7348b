import { ConfigError, loadConfig } from '@strongbox/config';
import { connectDatabase, migrate } from '@strongbox/db';
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
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

const logger = pino({ level: config.logLevel, base: { service: 'worker', pid: process.pid } });
const db = await connectDatabase(config.databaseUrl, { connectionLimit: config.workerConcurrency * 2 + 4 });
const applied = await migrate(db, {
  onApplied: (name) => logger.info({ migration: name }, 'migration applied'),
});
if (applied.length === 0) logger.debug('schema is up to date');
const worker = await startWorker({ config, db, logger });

// Running jobs get a minute to end; a job cut off then is handed to another worker by the queue.
closeWithGrace({ delay: 60_000, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'worker stopping after an error');
  else logger.info({ signal }, 'worker stopping');
  await worker.close();
  await db.end();
});
