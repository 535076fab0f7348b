import { isTerminal, type JobStatus } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';

/** A snapshot on disk and the job its manifest says made it. */
export interface SnapshotMaker {
  snapshot: string;
  jobId: string;
}

/**
 * Of the snapshots given, those that nothing in MySQL references, and that no job ever will: the
 * job that made it is known and has ended (succeeded with another snapshot, failed or cancelled:
 * a job that is still queued or running adopts its snapshot on its next attempt), and no backup's
 * row names it as its snapshot. A snapshot whose job is unknown here is never answered: it may be
 * another deployment's, or older than this database.
 */
export async function unreferencedSnapshots(db: Db, made: readonly SnapshotMaker[]): Promise<string[]> {
  if (made.length === 0) return [];
  const [makers] = await db.query<RowDataPacket[]>('SELECT id, status FROM backup_job WHERE id IN (?)', [
    [...new Set(made.map((m) => m.jobId))],
  ]);
  const statusOf = new Map(makers.map((row) => [String(row.id), row.status as JobStatus]));
  const [named] = await db.query<RowDataPacket[]>(
    `SELECT DISTINCT snapshot FROM backup_job WHERE kind = 'backup' AND snapshot IN (?)`,
    [made.map((m) => m.snapshot)],
  );
  const referenced = new Set(named.map((row) => String(row.snapshot)));
  return made
    .filter((m) => {
      const status = statusOf.get(m.jobId);
      return status !== undefined && isTerminal(status) && !referenced.has(m.snapshot);
    })
    .map((m) => m.snapshot);
}
