import { type Db, listSchedules } from '@strongbox/db';
import { type ScheduleTiming, schedulerMatches, type TickQueue, upsertScheduler } from '@strongbox/queue';
import type { Logger } from 'pino';

export interface ScheduleSyncReport {
  /** Schedules whose scheduler was missing from Redis, or fired otherwise, and was (re)made. */
  restored: string[];
  /** Schedulers Redis had for schedules that MySQL has paused or deleted. */
  removed: string[];
  /**
   * Active schedules that cannot run (a row written by hand or by an older version): left as they
   * are in Redis, and logged, each pass, so that one of them never stops the others.
   */
  skipped: string[];
}

/**
 * Makes the job schedulers in Redis agree with the schedules in MySQL, the truth: every active
 * schedule has its scheduler, firing as it says, and nothing else has one. Run at start and by
 * the reconciler, so that schedules come back after Redis lost its data. An active schedule that
 * cannot run (its `error` says why) is skipped and logged, and its scheduler, if any, left alone.
 */
export async function syncSchedules(db: Db, ticks: TickQueue, logger: Logger): Promise<ScheduleSyncReport> {
  const report: ScheduleSyncReport = { restored: [], removed: [], skipped: [] };
  const active = new Map<string, ScheduleTiming>();
  let cursor: string | undefined;
  do {
    const page = await listSchedules(db, { limit: 1000, cursor });
    for (const schedule of page.items) {
      if (schedule.paused) continue;
      if (schedule.error) {
        report.skipped.push(schedule.id);
        logger.warn(
          { scheduleId: schedule.id, cron: schedule.cron, tz: schedule.tz, reason: schedule.error.message },
          'skipped a schedule that cannot run; pause, fix or delete it',
        );
        continue;
      }
      active.set(schedule.id, schedule);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const skipped = new Set(report.skipped);

  const inRedis = new Map(
    (await ticks.getJobSchedulers(0, -1)).map((scheduler) => [scheduler.key, scheduler]),
  );
  for (const schedule of active.values()) {
    const scheduler = inRedis.get(schedule.id);
    if (scheduler && schedulerMatches(scheduler, schedule)) continue;
    await upsertScheduler(ticks, schedule);
    report.restored.push(schedule.id);
  }
  for (const id of inRedis.keys()) {
    if (active.has(id) || skipped.has(id)) continue;
    await ticks.removeJobScheduler(id);
    report.removed.push(id);
  }
  if (report.restored.length || report.removed.length)
    logger.warn(report, 'brought the schedulers in line with MySQL');
  return report;
}
