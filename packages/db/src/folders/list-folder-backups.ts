import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';

/** When a folder's newest successful and newest failed backup ended (null: none yet). */
export interface FolderBackups {
  folder: string;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
}

/** Folders of {@link listFolderBackups}, and how many more there are. */
export interface FolderBackupsPage {
  folders: FolderBackups[];
  /** Folders left out by the limit: each succeeded more recently than every folder listed. */
  omitted: number;
}

/**
 * The folders that have had a backup end, those whose newest success is oldest first (never
 * succeeded first), at most `limit`: the ones an alert on stale backups must see are never the
 * ones left out. Read in index order from `folder_backup` (migration 0011).
 */
export async function listFolderBackups(db: Db, limit: number): Promise<FolderBackupsPage> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT folder, last_success_at, last_failure_at FROM folder_backup
     FORCE INDEX (folder_backup_last_success)
     ORDER BY last_success_at LIMIT ?`,
    [limit],
  );
  const folders = rows.map((row) => ({
    folder: String(row.folder),
    lastSuccessAt: (row.last_success_at as Date | null) ?? null,
    lastFailureAt: (row.last_failure_at as Date | null) ?? null,
  }));
  if (folders.length < limit) return { folders, omitted: 0 };
  const [[count]] = (await db.query('SELECT COUNT(*) AS n FROM folder_backup')) as unknown as [
    [{ n: number }],
  ];
  return { folders, omitted: Number(count.n) - folders.length };
}
