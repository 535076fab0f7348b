import type { LogEntry, Page } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { InvalidCursorError } from '../errors.js';
import { Where } from '../where.js';

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

// `log.date` is a TIMESTAMP(3) (the original design's column, to the millisecond): it holds these
// instants and no others.
const FIRST_TIMESTAMP = new Date('1970-01-01T00:00:01.000Z');
const LAST_TIMESTAMP = new Date('2038-01-19T03:14:07.999Z');

/**
 * Audit rows ordered by date then id, one page at a time. A bound beyond what the date column can
 * hold (before 1970, after January 2038) would not compare as an instant in SQL: it is dropped
 * when every row is within it, and answers no rows when it excludes them all.
 */
export async function listLogs(db: Db, query: ListLogsQuery): Promise<Page<LogEntry>> {
  const from = query.from && query.from > FIRST_TIMESTAMP ? query.from : undefined;
  const before = query.before && query.before <= LAST_TIMESTAMP ? query.before : undefined;
  if ((from && from > LAST_TIMESTAMP) || (before && before <= FIRST_TIMESTAMP)) {
    return { items: [], nextCursor: null };
  }
  const where = new Where()
    .add('date >= ?', from)
    .add('date < ?', before)
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
