import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';

/** When the newest successful backup, of any folder, ended; null before the first. */
export async function lastBackupSuccess(db: Db): Promise<Date | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    "SELECT MAX(last_finished_at) AS last FROM job_count WHERE kind = 'backup' AND status = 'succeeded'",
  );
  return (rows[0]?.last as Date | null | undefined) ?? null;
}
