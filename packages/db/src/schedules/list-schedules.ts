import type { Page, Schedule } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { keysetPage } from '../keyset-page.js';
import { SCHEDULE_COLUMNS, scheduleFromRow } from './schedule-row.js';

export interface ListSchedulesQuery {
  limit: number;
  cursor?: string;
}

/** Schedules oldest first, one page at a time. */
export async function listSchedules(db: Db, query: ListSchedulesQuery): Promise<Page<Schedule>> {
  const now = new Date();
  return keysetPage(
    db,
    {
      select: `SELECT ${SCHEDULE_COLUMNS} FROM schedule`,
      key: 'seq',
      map: (row) => scheduleFromRow(row, now),
    },
    query,
  );
}

/** Every schedule of one folder, oldest first, read by the index on the schedules by folder (migration 0018). */
export async function listFolderSchedules(db: Db, folder: string): Promise<Schedule[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${SCHEDULE_COLUMNS} FROM schedule
     WHERE folder = ? AND CAST(folder AS BINARY) = CAST(? AS BINARY) ORDER BY seq`,
    [folder, folder],
  );
  const now = new Date();
  return rows.map((row) => scheduleFromRow(row, now));
}
