import type { Stats } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';

/** Totals over every backup job (verify and restore jobs are not backups). */
export async function getStats(db: Db): Promise<Stats> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS total,
       COALESCE(SUM(status = 'succeeded'), 0) AS succeeded,
       COALESCE(SUM(status = 'failed'), 0) AS failed,
       COALESCE(SUM(status = 'queued'), 0) AS queued,
       COALESCE(SUM(status = 'running'), 0) AS running,
       COALESCE(SUM(status = 'cancelled'), 0) AS cancelled,
       COALESCE(SUM(bytes_copied), 0) AS bytes_copied,
       COALESCE(SUM(files_copied), 0) AS files_copied,
       MAX(CASE WHEN status = 'succeeded' THEN finished_at END) AS last_success_at
     FROM backup_job WHERE kind = 'backup'`,
  );
  // An aggregate without GROUP BY always answers exactly one row.
  const row = rows[0] as RowDataPacket;
  return {
    backups: {
      total: Number(row.total ?? 0),
      succeeded: Number(row.succeeded ?? 0),
      failed: Number(row.failed ?? 0),
      queued: Number(row.queued ?? 0),
      running: Number(row.running ?? 0),
      cancelled: Number(row.cancelled ?? 0),
    },
    bytesCopied: Number(row.bytes_copied ?? 0),
    filesCopied: Number(row.files_copied ?? 0),
    lastSuccessAt: row.last_success_at ? (row.last_success_at as Date).toISOString() : null,
  };
}
