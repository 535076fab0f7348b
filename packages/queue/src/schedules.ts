import { Queue } from 'bullmq';
import { z } from 'zod';
import type { QueueSettings } from './queue.js';

/**
 * The queue of schedule ticks: each active schedule has a BullMQ job scheduler here, with the
 * schedule's id, that adds one tick job each time its cron expression fires. A worker turns each
 * tick into a backup job recorded in MySQL, as `POST /backups` does.
 */
export const TICK_QUEUE_NAME = 'schedules';

/** The BullMQ job name of a tick. */
export const TICK_JOB_NAME = 'tick';

/** What a tick carries: the schedule it belongs to, and its folder for the dashboard. */
export const tickDataSchema = z
  .object({
    scheduleId: z.uuid(),
    folder: z.string().optional().describe('display only: the tick reads the schedule from MySQL'),
  })
  .strict();
export type TickData = z.infer<typeof tickDataSchema>;

export type TickQueue = Queue<TickData, unknown, string>;

/** What a job scheduler needs of a schedule. */
export interface ScheduleTiming {
  id: string;
  folder: string;
  cron: string;
  tz: string;
}

export function createTickQueue(settings: QueueSettings): TickQueue {
  return new Queue<TickData, unknown, string>(TICK_QUEUE_NAME, {
    connection: settings.connection,
    prefix: settings.prefix,
    // A tick that could not reach MySQL is tried again; ticks are kept a while for the dashboard.
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: { age: 24 * 3600, count: 1_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 1_000 },
    },
  });
}

/** Creates or updates the job scheduler of a schedule; its id is the schedule's. */
export async function upsertScheduler(queue: TickQueue, schedule: ScheduleTiming): Promise<void> {
  const data = tickDataSchema.parse({ scheduleId: schedule.id, folder: schedule.folder });
  await queue.upsertJobScheduler(
    schedule.id,
    { pattern: schedule.cron, tz: schedule.tz },
    { name: TICK_JOB_NAME, data },
  );
}

/** Whether the job scheduler in Redis fires as the schedule says. */
export function schedulerMatches(
  scheduler: { pattern?: string | null; tz?: string | null },
  schedule: ScheduleTiming,
): boolean {
  return scheduler.pattern === schedule.cron && (scheduler.tz ?? null) === schedule.tz;
}
