import type { Schedule } from '../api/types.js';

/**
 * A schedule in one line, in the shape of a job's: `schedule <id> photos/2024: active, "0 3 * * *"
 * in Europe/Paris, next run 2026-11-23T02:00:00.000Z`. A paused one has no next run; one that
 * cannot run (recorded by hand or by an older server) says why. A prune or check schedule names
 * what it does in place of the folder: `prune of the repository`, `check of the repository (readData 10)`.
 */
export function describeSchedule(schedule: Schedule): string {
  const head = `schedule ${schedule.id} ${targetOf(schedule)}: ${stateOf(schedule)}, "${schedule.cron}" in ${schedule.tz}`;
  const next = nextRunText(schedule);
  if (schedule.error) return `${head}, ${next}`;
  return schedule.nextRunAt === null ? head : `${head}, next run ${next}`;
}

/** The folder a backup schedule backs up, or what a prune or check schedule does. */
function targetOf(schedule: Schedule): string {
  if (schedule.kind === 'prune') return 'prune of the repository';
  if (schedule.kind === 'check') return `check of the repository (readData ${schedule.readData ?? 'none'})`;
  return schedule.folder;
}

/** The next run, empty while paused, or why the schedule cannot run. */
export function nextRunText(schedule: Schedule): string {
  if (schedule.error) return `cannot run: ${schedule.error.message}`;
  return schedule.nextRunAt ?? '';
}

/** `active` or `paused`. */
export function stateOf(schedule: Schedule): string {
  return schedule.paused ? 'paused' : 'active';
}
