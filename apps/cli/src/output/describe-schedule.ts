import type { Schedule } from '../api/types.js';

/**
 * A schedule in one line, in the shape of a job's: `schedule <id> photos/2024: active, "0 3 * * *"
 * in Europe/Paris, next run 2026-11-23T02:00:00.000Z`. A paused one has no next run.
 */
export function describeSchedule(schedule: Schedule): string {
  const head = `schedule ${schedule.id} ${schedule.folder}: ${stateOf(schedule)}, "${schedule.cron}" in ${schedule.tz}`;
  return schedule.nextRunAt === null ? head : `${head}, next run ${schedule.nextRunAt}`;
}

/** `active` or `paused`. */
export function stateOf(schedule: Schedule): string {
  return schedule.paused ? 'paused' : 'active';
}
