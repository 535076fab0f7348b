import type { RowDataPacket } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';
import { recordPruned } from '../folders/folder-summary.js';

/**
 * Marks the backup jobs whose snapshots retention deleted, and takes them out of their folders'
 * summaries in the same transaction. The jobs are locked first, so two calls for the same
 * snapshots count each one out once.
 */
export async function markPruned(db: Db, snapshots: readonly string[]): Promise<number> {
  if (snapshots.length === 0) return 0;
  return inTransaction(db, async (tx) => {
    const [rows] = await tx.query<RowDataPacket[]>(
      `SELECT seq, folder FROM backup_job
       WHERE kind = 'backup' AND pruned_at IS NULL AND snapshot IN (?) ORDER BY seq FOR UPDATE`,
      [snapshots],
    );
    if (rows.length === 0) return 0;
    const pruned = rows.map((row) => ({ seq: Number(row.seq), folder: String(row.folder) }));
    await tx.query('UPDATE backup_job SET pruned_at = UTC_TIMESTAMP(3) WHERE seq IN (?)', [
      pruned.map((job) => job.seq),
    ]);
    await recordPruned(tx, pruned);
    return pruned.length;
  });
}
