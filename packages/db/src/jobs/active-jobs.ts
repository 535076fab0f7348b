import { ACTIVE_STATUSES, type ActiveStatus, type JobKind } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { placeholders } from '../where.js';

export interface ActiveJobRef {
  id: string;
  kind: JobKind;
  folder: string;
  status: ActiveStatus;
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
    `SELECT id, kind, folder, status FROM backup_job
     WHERE status IN (${placeholders(ACTIVE_STATUSES)}) AND created_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND
     ORDER BY seq LIMIT ?`,
    [...ACTIVE_STATUSES, olderThanSeconds, limit],
  );
  return rows.map((row) => ({ id: row.id, kind: row.kind, folder: row.folder, status: row.status }));
}
