import type { Schedule } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';
import { recordScheduleChange } from '../folders/folder-summary.js';
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

/**
 * Deletes a schedule, and counts a backup schedule out of its folder's summary; false when there was none. The jobs
 * it started keep its id.
 */
export async function deleteSchedule(db: Db, id: string): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const [rows] = await tx.execute<RowDataPacket[]>(
      'SELECT kind, folder FROM schedule WHERE id = ? FOR UPDATE',
      [id],
    );
    const deleted = rows[0];
    if (!deleted) return false;
    await tx.execute('DELETE FROM schedule WHERE id = ?', [id]);
    if (deleted.kind === 'backup') await recordScheduleChange(tx, String(deleted.folder), -1);
    return true;
  });
}
