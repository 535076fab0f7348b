import type { JobProgress } from '@strongbox/contract';
import { type Db, inTransaction } from '../connection.js';

/** Records how far a running job has come. Ignored once the job has ended. */
export async function updateProgress(db: Db, id: string, progress: JobProgress): Promise<void> {
  await inTransaction(
    db,
    (tx) =>
      tx.execute(
        `UPDATE backup_job SET files_done = ?, files_total = ?, bytes_done = ?, bytes_total = ?
         WHERE id = ? AND status = 'running'`,
        [progress.filesDone, progress.filesTotal, progress.bytesDone, progress.bytesTotal, id],
      ),
    { oneRoundTrip: true },
  );
}
