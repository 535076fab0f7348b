import { nextRunOf, SCHEDULE_ERROR_CODE, type Schedule, scheduleSchema } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';

export const SCHEDULE_COLUMNS = 'seq, id, kind, folder, cron, tz, paused, params, created_at, updated_at';

/**
 * A `schedule` row as the schedule object, with when it fires next (null while paused). A row that
 * cannot run (written by hand or by an older version: a cron expression or time zone that cannot be
 * read, or that does not fire within the horizon) is answered too, with no next run and the reason
 * in `error`, so that one such row never stops the others from being read.
 */
export function scheduleFromRow(row: RowDataPacket, now: Date = new Date()): Schedule {
  const paused = Boolean(row.paused);
  const next = nextRunOf(String(row.cron), String(row.tz), now);
  return scheduleSchema.parse({
    id: row.id,
    kind: row.kind,
    folder: row.folder,
    readData: row.params === null ? null : (JSON.parse(String(row.params)) as { readData: unknown }).readData,
    cron: row.cron,
    tz: row.tz,
    paused,
    createdAt: (row.created_at as Date).toISOString(),
    updatedAt: (row.updated_at as Date).toISOString(),
    nextRunAt: paused || next.at === null ? null : next.at.toISOString(),
    error: next.problem === null ? null : { code: SCHEDULE_ERROR_CODE, message: next.problem },
  });
}
