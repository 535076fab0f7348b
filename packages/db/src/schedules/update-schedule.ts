import type { Schedule } from '@strongbox/contract';
import type { ResultSetHeader } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';
import { getSchedule } from './get-schedule.js';

/** Pauses or resumes a schedule; null when there is no such schedule. */
export async function setSchedulePaused(db: Db, id: string, paused: boolean): Promise<Schedule | null> {
  await inTransaction(
    db,
    (tx) =>
      tx.execute(
        'UPDATE schedule SET paused = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND paused <> ?',
        [paused, id, paused],
      ),
    { oneRoundTrip: true },
  );
  return getSchedule(db, id);
}

/** Deletes a schedule; false when there was none. The jobs it started keep its id. */
export async function deleteSchedule(db: Db, id: string): Promise<boolean> {
  const [result] = await inTransaction(
    db,
    (tx) => tx.execute<ResultSetHeader>('DELETE FROM schedule WHERE id = ?', [id]),
    { oneRoundTrip: true },
  );
  return result.affectedRows === 1;
}
