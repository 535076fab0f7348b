import type { Job, NewJob, Schedule } from '@strongbox/contract';
import { type Db, getSchedule, insertJob } from '@strongbox/db';
import {
  enqueue,
  type StrongboxQueue,
  type TickData,
  type TickQueue,
  tickDataSchema,
} from '@strongbox/queue';
import { type Job as QueueJob, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';

export interface TickDeps {
  db: Db;
  /** The queue backup jobs go to. */
  queue: StrongboxQueue;
  /** The queue of ticks, to remove the scheduler of a schedule MySQL no longer has. */
  ticks: TickQueue;
  logger: Logger;
}

/** What a tick did: started (or joined) a job, or nothing, and why. */
export type TickOutcome = { jobId: string; created: boolean } | { skipped: 'paused' | 'deleted' };

/**
 * Turns one tick of a schedule into a job the way the API makes one (`POST /backups`,
 * `POST /repository/prune`, `POST /repository/check`): recorded in MySQL first (a folder that already
 * has a queued job of that kind gets no second one: a prune tick while a prune is queued answers
 * that prune), then queued. MySQL
 * decides: a schedule it has paused or deleted starts nothing, and a deleted one's scheduler is
 * removed from Redis. A tick that fails (MySQL unreachable) is retried by the queue; trying again
 * cannot start two jobs, since the first one is still queued and is answered instead.
 */
export async function runTick(deps: TickDeps, tick: QueueJob<TickData>): Promise<TickOutcome> {
  const parsed = tickDataSchema.safeParse(tick.data);
  if (!parsed.success) throw new UnrecoverableError(`Malformed tick data: ${parsed.error.message}`);
  const { scheduleId } = parsed.data;
  const log = deps.logger.child({ scheduleId, tickId: tick.id });
  const schedule = await getSchedule(deps.db, scheduleId);
  if (!schedule) {
    await deps.ticks.removeJobScheduler(scheduleId);
    log.info('the schedule was deleted; its scheduler is removed');
    return { skipped: 'deleted' };
  }
  if (schedule.paused) {
    log.info(`the schedule is paused; no ${schedule.kind}`);
    return { skipped: 'paused' };
  }
  const { job, created } = await insertJob(deps.db, jobOf(schedule));
  await queueIfWaiting(deps.queue, job);
  log.info(
    { jobId: job.id, kind: job.kind, folder: job.folder, created },
    created ? 'job created' : 'answered an existing job',
  );
  return { jobId: job.id, created };
}

/** The job a tick of this schedule records. */
function jobOf(schedule: Schedule): NewJob {
  const scheduleId = schedule.id;
  if (schedule.kind === 'prune') return { kind: 'prune', folder: '', scheduleId };
  if (schedule.kind === 'check')
    return { kind: 'check', folder: '', scheduleId, params: { readData: schedule.readData ?? 'none' } };
  return { kind: 'backup', folder: schedule.folder, scheduleId };
}

// insertJob answers either the new job or the folder's queued one; a retried tick may find its own
// job recorded but not yet queued. Adding a job the queue holds is a no-op (same id).
async function queueIfWaiting(queue: StrongboxQueue, job: Job): Promise<void> {
  if (job.status === 'queued') await enqueue(queue, job);
}
