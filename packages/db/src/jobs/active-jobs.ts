import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import type { JobKind, JobStatus } from './job.js';

export interface ActiveJobRef {
  id: string;
  kind: JobKind;
  status: JobStatus;
}

/**
 * Jobs that MySQL says are queued or running and that were created before `olderThanSeconds`
 * ago: the reconciler checks that each of them is still known to the queue.
 */
export async function listActiveJobs(
  db: Db,
  olderThanSeconds: number,
  limit = 1000,
): Promise<ActiveJobRef[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, kind, status FROM backup_job
     WHERE status IN ('queued', 'running') AND created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND
     ORDER BY seq LIMIT ?`,
    [olderThanSeconds, limit],
  );
  return rows.map((row) => ({ id: row.id, kind: row.kind, status: row.status }));
}
