import type { Schedule } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { SCHEDULE_COLUMNS, scheduleFromRow } from './schedule-row.js';

export async function getSchedule(db: Db, id: string): Promise<Schedule | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${SCHEDULE_COLUMNS} FROM schedule WHERE id = ?`, [
    id,
  ]);
  return rows[0] ? scheduleFromRow(rows[0]) : null;
}
