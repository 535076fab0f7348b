import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { decodeCursor, encodeCursor, type Page } from '../cursor.js';
import { JOB_COLUMNS, type Job, type JobKind, type JobStatus, jobFromRow } from './job.js';

export interface ListJobsQuery {
  kind?: JobKind;
  status?: JobStatus;
  folder?: string;
  limit: number;
  cursor?: string;
}

export class InvalidCursorError extends Error {
  readonly code = 'INVALID_CURSOR';
  constructor() {
    super('The cursor is not one this server gave out: start again without it');
    this.name = 'InvalidCursorError';
  }
}

/** Jobs newest first, filtered, one page at a time. */
export async function listJobs(db: Db, query: ListJobsQuery): Promise<Page<Job>> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (query.kind) {
    where.push('kind = ?');
    params.push(query.kind);
  }
  if (query.status) {
    where.push('status = ?');
    params.push(query.status);
  }
  if (query.folder !== undefined) {
    where.push('folder = ?');
    params.push(query.folder);
  }
  if (query.cursor) {
    const position = decodeCursor(query.cursor, ['number']);
    if (!position) throw new InvalidCursorError();
    where.push('seq < ?');
    params.push(position[0] as number);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${JOB_COLUMNS} FROM backup_job ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY seq DESC LIMIT ?`,
    [...params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(jobFromRow),
    nextCursor: rows.length > query.limit && last ? encodeCursor([Number(last.seq)]) : null,
  };
}
