import type { Db } from '@strongbox/db';
import { backupResult } from './jobs.js';

/** A backup job row as a test writes it straight into the catalog, with the times it chooses. */
export interface BackupRow {
  id: string;
  folder: string;
  status: 'succeeded' | 'failed' | 'queued';
  /** ISO-8601; none for a queued backup. */
  finishedAt?: string;
  snapshot?: string;
  files?: number;
  bytes?: number;
  /** ISO-8601, when retention deleted its snapshot. */
  prunedAt?: string;
}

/** Writes backup jobs into `backup_job` in the order given (so their `seq` follows it). */
export async function insertBackups(db: Db, rows: BackupRow[]): Promise<void> {
  for (const row of rows) {
    const result =
      row.status === 'succeeded' && row.snapshot
        ? JSON.stringify(backupResult(row.snapshot, row.files, row.bytes))
        : null;
    await db.query(
      `INSERT INTO backup_job (id, kind, folder, status, attempts, created_at, started_at, finished_at,
         result, snapshot, error_code, error_message, pruned_at)
       VALUES (?, 'backup', ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.id,
        row.folder,
        row.status,
        new Date('2026-01-01T00:00:00.000Z'),
        row.finishedAt ? new Date(row.finishedAt) : null,
        row.finishedAt ? new Date(row.finishedAt) : null,
        result,
        result ? row.snapshot : null,
        row.status === 'failed' ? 'IO_ERROR' : null,
        row.status === 'failed' ? 'IO_ERROR: test' : null,
        row.prunedAt ? new Date(row.prunedAt) : null,
      ],
    );
  }
}

/** The UUID `00000000-0000-4000-8000-` followed by `n` in twelve digits. */
export function idOf(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}
