import type { Stats } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';

/**
 * Totals over every backup job (verify and restore jobs are not backups), read from the counters
 * that each status change keeps in its own transaction (jobs/count-jobs.ts): the same figures as
 * counting the jobs, at a cost that does not grow with them.
 */
export async function getStats(db: Db): Promise<Stats> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT status, SUM(jobs) AS jobs, SUM(files_copied) AS files_copied, SUM(bytes_copied) AS bytes_copied,
       MAX(last_finished_at) AS last_finished_at
     FROM job_count WHERE kind = 'backup' GROUP BY status`,
  );
  const jobs = (status: string) => Number(rows.find((row) => row.status === status)?.jobs ?? 0);
  const backups = {
    succeeded: jobs('succeeded'),
    failed: jobs('failed'),
    queued: jobs('queued'),
    running: jobs('running'),
    cancelled: jobs('cancelled'),
  };
  const last = rows.find((row) => row.status === 'succeeded')?.last_finished_at as Date | null | undefined;
  return {
    backups: { total: Object.values(backups).reduce((sum, n) => sum + n, 0), ...backups },
    bytesCopied: rows.reduce((sum, row) => sum + Number(row.bytes_copied), 0),
    filesCopied: rows.reduce((sum, row) => sum + Number(row.files_copied), 0),
    lastSuccessAt: last ? last.toISOString() : null,
  };
}
