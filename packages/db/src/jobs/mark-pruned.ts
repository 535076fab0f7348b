import type { ResultSetHeader } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';

/** Marks the backup jobs whose snapshots retention deleted. */
export async function markPruned(db: Db, snapshots: readonly string[]): Promise<number> {
  if (snapshots.length === 0) return 0;
  const [result] = await inTransaction(
    db,
    (tx) =>
      tx.query<ResultSetHeader>(
        `UPDATE backup_job SET pruned_at = UTC_TIMESTAMP(3)
         WHERE kind = 'backup' AND pruned_at IS NULL AND snapshot IN (?)`,
        [snapshots],
      ),
    { oneRoundTrip: true },
  );
  return result.affectedRows;
}
