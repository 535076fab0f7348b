import { backupResultSchema, type Page, type Snapshot } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { InvalidCursorError } from '../errors.js';

export interface ListSnapshotsQuery {
  folder: string;
  limit: number;
  cursor?: string;
}

/**
 * A folder's snapshots, newest first (by when their backup finished, then by job), one page at a
 * time: its backups that succeeded and whose snapshot retention has not deleted. The catalog
 * answers for either kind of repository; read in order from `backup_job_folder_snapshots`
 * (migration 0014).
 */
export async function listSnapshots(db: Db, query: ListSnapshotsQuery): Promise<Page<Snapshot>> {
  const params: (string | number | Date)[] = [query.folder];
  let after = '';
  if (query.cursor) {
    const position = decodeCursor(query.cursor, ['number', 'number']);
    if (!position) throw new InvalidCursorError();
    const finishedAt = new Date(position[0] as number);
    after = 'AND (finished_at < ? OR (finished_at = ? AND seq < ?))';
    params.push(finishedAt, finishedAt, position[1] as number);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT seq, id, finished_at, result FROM backup_job
     WHERE folder = ? AND kind = 'backup' AND status = 'succeeded' AND pruned_at IS NULL ${after}
     ORDER BY finished_at DESC, seq DESC LIMIT ?`,
    [...params, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(snapshotFromRow),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor([(last.finished_at as Date).getTime(), Number(last.seq)])
        : null,
  };
}

/** The newest snapshot of a folder, or null when it has none. */
export async function latestSnapshot(db: Db, folder: string): Promise<Snapshot | null> {
  const { items } = await listSnapshots(db, { folder, limit: 1 });
  return items[0] ?? null;
}

function snapshotFromRow(row: RowDataPacket): Snapshot {
  const result = backupResultSchema.parse(JSON.parse(String(row.result)));
  return {
    backupId: String(row.id),
    snapshot: result.snapshot,
    finishedAt: (row.finished_at as Date).toISOString(),
    files: result.files,
    bytes: result.bytes,
  };
}
