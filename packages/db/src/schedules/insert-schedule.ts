import { randomUUID } from 'node:crypto';
import { DEFAULT_TIME_ZONE, type NewSchedule, newScheduleSchema, type Schedule } from '@strongbox/contract';
import { z } from 'zod';
import { type Db, inTransaction } from '../connection.js';
import { recordScheduleChange } from '../folders/folder-summary.js';
import { getSchedule } from './get-schedule.js';

/**
 * Records a new, active schedule, checked by the contract's rules (kind, folder, cron, time zone),
 * and counts a backup schedule in its folder's summary.
 */
export async function insertSchedule(db: Db, input: NewSchedule): Promise<Schedule> {
  const parsed = newScheduleSchema.safeParse(input);
  if (!parsed.success) throw new Error(`Refusing to record the schedule:\n${z.prettifyError(parsed.error)}`);
  const { kind = 'backup', folder = '', cron, tz, readData } = parsed.data;
  const params = kind === 'check' ? JSON.stringify({ readData: readData ?? 'none' }) : null;
  const id = randomUUID();
  await inTransaction(db, async (tx) => {
    await tx.execute(
      `INSERT INTO schedule (id, kind, folder, cron, tz, paused, params, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, FALSE, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
      [id, kind, folder, cron.trim(), tz ?? DEFAULT_TIME_ZONE, params],
    );
    // A prune or check schedule belongs to no folder: GET /folders does not list "".
    if (kind === 'backup') await recordScheduleChange(tx, folder, 1);
  });
  const schedule = await getSchedule(db, id);
  if (!schedule) throw new Error(`schedule ${id} vanished right after it was inserted`);
  return schedule;
}
