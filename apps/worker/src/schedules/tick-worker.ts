import type { Config } from '@strongbox/config';
import { connectRedis, TICK_QUEUE_NAME, type TickData } from '@strongbox/queue';
import { StrongboxWorker } from '../queue-failure.js';
import { runTick, type TickDeps } from './run-tick.js';

/** The BullMQ worker that turns schedule ticks into backup jobs, one tick at a time. */
export async function startTickWorker(config: Config, deps: TickDeps): Promise<{ close(): Promise<void> }> {
  const connection = connectRedis(config.redisUrl, 'worker');
  const worker = new StrongboxWorker<TickData>(TICK_QUEUE_NAME, (tick) => runTick(deps, tick), {
    connection,
    prefix: config.queuePrefix,
    concurrency: 1,
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'schedule tick worker error'));
  worker.on('failed', (tick, error) =>
    deps.logger.warn(
      { err: error, scheduleId: tick?.data.scheduleId, tickId: tick?.id },
      'a schedule tick failed',
    ),
  );
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
