import type { Page, Schedule } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { InvalidCursorError } from '../errors.js';
import { Where } from '../where.js';
import { SCHEDULE_COLUMNS, scheduleFromRow } from './schedule-row.js';

export interface ListSchedulesQuery {
  limit: number;
  cursor?: string;
}

/** Schedules oldest first, one page at a time. */
export async function listSchedules(db: Db, query: ListSchedulesQuery): Promise<Page<Schedule>> {
  const where = new Where();
  if (query.cursor) {
    const position = decodeCursor(query.cursor, ['number']);
    if (!position) throw new InvalidCursorError();
    where.add('seq > ?', position[0]);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${SCHEDULE_COLUMNS} FROM schedule ${where} ORDER BY seq LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const now = new Date();
  return {
    items: page.map((row) => scheduleFromRow(row, now)),
    nextCursor: rows.length > query.limit && last ? encodeCursor([Number(last.seq)]) : null,
  };
}
