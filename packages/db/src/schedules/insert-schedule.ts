import { randomUUID } from 'node:crypto';
import { DEFAULT_TIME_ZONE, type NewSchedule, newScheduleSchema, type Schedule } from '@strongbox/contract';
import { z } from 'zod';
import { type Db, inTransaction } from '../connection.js';
import { getSchedule } from './get-schedule.js';

/** Records a new, active schedule, checked by the contract's rules (folder, cron, time zone). */
export async function insertSchedule(db: Db, input: NewSchedule): Promise<Schedule> {
  const parsed = newScheduleSchema.safeParse(input);
  if (!parsed.success) throw new Error(`Refusing to record the schedule:\n${z.prettifyError(parsed.error)}`);
  const { folder, cron, tz } = parsed.data;
  const id = randomUUID();
  await inTransaction(
    db,
    (tx) =>
      tx.execute(
        `INSERT INTO schedule (id, folder, cron, tz, paused, created_at, updated_at)
         VALUES (?, ?, ?, ?, FALSE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
        [id, folder, cron.trim(), tz ?? DEFAULT_TIME_ZONE],
      ),
    { oneRoundTrip: true },
  );
  const schedule = await getSchedule(db, id);
  if (!schedule) throw new Error(`schedule ${id} vanished right after it was inserted`);
  return schedule;
}
