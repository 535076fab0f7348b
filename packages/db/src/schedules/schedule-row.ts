import { nextRunOf, type Schedule, scheduleSchema } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';

export const SCHEDULE_COLUMNS = 'seq, id, folder, cron, tz, paused, created_at, updated_at';

/** A `schedule` row as the schedule object, with when it fires next (null while paused). */
export function scheduleFromRow(row: RowDataPacket, now: Date = new Date()): Schedule {
  const paused = Boolean(row.paused);
  return scheduleSchema.parse({
    id: row.id,
    folder: row.folder,
    cron: row.cron,
    tz: row.tz,
    paused,
    createdAt: (row.created_at as Date).toISOString(),
    updatedAt: (row.updated_at as Date).toISOString(),
    nextRunAt: paused ? null : nextRunOf(row.cron, row.tz, now).toISOString(),
  });
}
