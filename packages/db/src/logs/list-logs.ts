import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { decodeCursor, encodeCursor, type Page } from '../cursor.js';
import { InvalidCursorError } from '../jobs/list-jobs.js';
import { Where } from '../where.js';
import type { LogEntry } from './log.js';

export interface ListLogsQuery {
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound (callers turn an inclusive day or instant into this). */
  before?: Date;
  action?: string;
  status?: string;
  limit: number;
  cursor?: string;
}

/** Audit rows ordered by date then id, one page at a time. */
export async function listLogs(db: Db, query: ListLogsQuery): Promise<Page<LogEntry>> {
  const where = new Where()
    .add('date >= ?', query.from)
    .add('date < ?', query.before)
    .add('action = ?', query.action)
    .add('status = ?', query.status);
  if (query.cursor) {
    const position = decodeCursor(query.cursor, ['number', 'number']);
    if (!position) throw new InvalidCursorError();
    const after = new Date(position[0] as number);
    where.add('(date > ? OR (date = ? AND id > ?))', after, after, position[1] as number);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, date, action, parameter, status, job_id, message FROM log
     ${where}
     ORDER BY date, id LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      id: Number(row.id),
      date: (row.date as Date).toISOString(),
      action: row.action,
      parameter: row.parameter,
      status: row.status,
      jobId: row.job_id ?? null,
      message: row.message ?? null,
    })),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor([(last.date as Date).getTime(), Number(last.id)])
        : null,
  };
}
