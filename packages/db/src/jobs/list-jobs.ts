import type { Job, JobKind, JobStatus, Page } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { InvalidCursorError } from '../errors.js';
import { Where } from '../where.js';
import { JOB_COLUMNS, jobFromRow } from './job-row.js';

export interface ListJobsQuery {
  kind?: JobKind;
  status?: JobStatus;
  folder?: string;
  limit: number;
  cursor?: string;
}

/** Jobs newest first, filtered, one page at a time. */
export async function listJobs(db: Db, query: ListJobsQuery): Promise<Page<Job>> {
  const where = new Where()
    .add('kind = ?', query.kind)
    .add('status = ?', query.status)
    .add('folder = ?', query.folder);
  if (query.cursor) {
    const position = decodeCursor(query.cursor, ['number']);
    if (!position) throw new InvalidCursorError();
    where.add('seq < ?', position[0]);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${JOB_COLUMNS} FROM backup_job ${indexHint(query)} ${where}
     ORDER BY seq DESC LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(jobFromRow),
    nextCursor: rows.length > query.limit && last ? encodeCursor([Number(last.seq)]) : null,
  };
}

// With both kind and status (and no folder, which is more selective), the planner otherwise
// intersects the kind and status indexes and sorts what they share: the index on both reads the
// page in order.
function indexHint(query: ListJobsQuery): string {
  return query.kind && query.status && !query.folder ? 'FORCE INDEX (backup_job_kind_status_seq)' : '';
}
