import { type BackupResult, backupResultSchema, type FolderSummary, type Page } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import { type Db, type DbConnection, inTransaction } from '../connection.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { InvalidCursorError } from '../errors.js';

/*
 * `folder_summary` (migration 0018): one row per folder that has a job, a schedule or a policy, kept
 * in the transactions that change those, so that GET /folders reads it in key order. Its key is the
 * folder's UTF-8 bytes: a folder given as a string parameter compares byte for byte.
 */

/**
 * The statement that notes a folder as having a job, for the transaction that records one (sent
 * with its other statements in one round trip, after the job's counts).
 */
export const NOTE_FOLDER_JOB_SQL = noteFolderJobsSql(1);

/**
 * {@link NOTE_FOLDER_JOB_SQL} for `folders` folders at once (a batch of jobs recorded together):
 * one parameter per folder, to be given distinct and in key order, so that two batches never wait
 * for each other's rows in opposite orders.
 */
export function noteFolderJobsSql(folders: number): string {
  return `INSERT INTO folder_summary (folder, has_jobs) VALUES ${Array(folders).fill('(?, TRUE)').join(', ')}
  ON DUPLICATE KEY UPDATE has_jobs = TRUE`;
}

/** A backup that has just ended by running: succeeded or failed. */
export interface BackupEnd {
  folder: string;
  jobId: string;
  /** The job's `seq`, which breaks ties between backups that ended in the same millisecond. */
  seq: number;
  at: Date;
  /** The result of a backup that succeeded; null when it failed. */
  result: BackupResult | null;
  /** The error code of a backup that failed. */
  errorCode: string | null;
}

/**
 * What a backup's end changes in its folder's summary, in the transaction that ends it: the newest
 * backup, and for a success the newest success, one snapshot more and the newest snapshot. Each
 * "newest" moves only forward (by finished_at, then seq), so concurrent ends of one folder, which
 * wait for each other on its row, leave the newest whatever order they commit in.
 */
export async function recordBackupEnd(tx: DbConnection, end: BackupEnd): Promise<void> {
  const { folder, jobId, seq, at, result } = end;
  const newer = (prefix: string) =>
    `WHERE folder = ? AND (${prefix}_finished_at IS NULL OR (${prefix}_finished_at, ${prefix}_seq) < (?, ?))`;
  const statements: [string, unknown[]][] = [
    [NOTE_FOLDER_JOB_SQL, [folder]],
    [
      `UPDATE folder_summary SET last_job_id = ?, last_seq = ?, last_status = ?, last_finished_at = ?,
         last_error_code = ?, last_added_bytes = ? ${newer('last')}`,
      [
        jobId,
        seq,
        result ? 'succeeded' : 'failed',
        at,
        result ? null : end.errorCode,
        result ? addedBytes(result) : null,
        folder,
        at,
        seq,
      ],
    ],
  ];
  if (result) {
    statements.push(
      [
        `UPDATE folder_summary SET snapshots = snapshots + 1,
           last_success_at = GREATEST(COALESCE(last_success_at, ?), ?) WHERE folder = ?`,
        [at, at, folder],
      ],
      [
        `UPDATE folder_summary SET latest_job_id = ?, latest_seq = ?, latest_finished_at = ?,
           latest_snapshot = ?, latest_files = ?, latest_bytes = ? ${newer('latest')}`,
        [jobId, seq, at, result.snapshot, result.files, result.bytes, folder, at, seq],
      ],
    );
  }
  await tx.query(
    statements.map(([sql]) => sql).join(';\n'),
    statements.flatMap(([, params]) => params),
  );
}

/**
 * What a backup added to its repository: the bytes of the chunks the object repository lacked, or
 * what the local tree copied (the rest it hard-linked).
 */
function addedBytes(result: BackupResult): number {
  return result.newBytes ?? result.copiedBytes;
}

/** A backup job whose snapshot is being marked pruned. */
export interface PrunedBackup {
  folder: string;
  seq: number;
}

/**
 * Takes pruned snapshots out of their folders' summaries, in the transaction that marks them pruned
 * (after it has locked and marked their jobs): one snapshot less each, and a new newest snapshot for
 * a folder whose newest was pruned. The newest is read after the folder's row is locked, so it sees
 * every backup of the folder that ended before; one that ends after moves it forward itself.
 */
export async function recordPruned(tx: DbConnection, pruned: readonly PrunedBackup[]): Promise<void> {
  const byFolder = new Map<string, number[]>();
  for (const { folder, seq } of pruned) byFolder.set(folder, [...(byFolder.get(folder) ?? []), seq]);
  // In key order, so two transactions that prune in several folders take their rows in one order.
  const folders = [...byFolder.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const folder of folders) {
    const seqs = byFolder.get(folder) ?? [];
    const [[, rows]] = (await tx.query(
      `UPDATE folder_summary SET snapshots = GREATEST(snapshots - ?, 0) WHERE folder = ?;
       SELECT latest_seq FROM folder_summary WHERE folder = ?`,
      [seqs.length, folder, folder],
    )) as unknown as [[unknown, RowDataPacket[]]];
    const latest = rows[0]?.latest_seq;
    if (latest === null || latest === undefined || !seqs.includes(Number(latest))) continue;
    await setLatest(tx, folder, await newestBackup(tx, folder, 'succeeded', true));
  }
}

/** One schedule more (`change` 1) or less (-1) for a folder, in the transaction that makes or deletes it. */
export async function recordScheduleChange(tx: DbConnection, folder: string, change: 1 | -1): Promise<void> {
  await tx.query(
    `INSERT INTO folder_summary (folder, schedules) VALUES (?, GREATEST(?, 0))
       ON DUPLICATE KEY UPDATE schedules = GREATEST(schedules + ?, 0);
     DELETE FROM folder_summary WHERE folder = ? AND schedules = 0 AND NOT has_jobs AND NOT has_policy`,
    [folder, change, change, folder],
  );
}

/** Notes a folder as having a policy, in the transaction that stores it. */
export async function recordPolicySet(tx: DbConnection, folder: string): Promise<void> {
  await tx.query(
    `INSERT INTO folder_summary (folder, has_policy) VALUES (?, TRUE)
     ON DUPLICATE KEY UPDATE has_policy = TRUE`,
    [folder],
  );
}

/**
 * Sets the summaries of the folders of the jobs from `fromSeq` on from `backup_job` itself, for
 * writers that add jobs in bulk (the seeding of benchmarks) rather than one at a time: a few indexed
 * reads per folder.
 */
export async function summarizeFoldersSince(db: Db, fromSeq: number): Promise<void> {
  const [folders] = await db.query<RowDataPacket[]>(
    'SELECT DISTINCT CAST(folder AS BINARY) AS folder FROM backup_job WHERE seq >= ?',
    [fromSeq],
  );
  for (const row of folders) {
    const folder = (row.folder as Buffer).toString('utf8');
    await inTransaction(db, async (tx) => {
      const [[counts]] = (await tx.query(
        `SELECT COUNT(*) AS snapshots FROM backup_job
         WHERE folder = ? AND kind = 'backup' AND status = 'succeeded' AND pruned_at IS NULL
           AND CAST(folder AS BINARY) = CAST(? AS BINARY)`,
        [folder, folder],
      )) as unknown as [[{ snapshots: number }]];
      const success = await newestBackup(tx, folder, 'succeeded', false);
      const failure = await newestBackup(tx, folder, 'failed', false);
      const latest = await newestBackup(tx, folder, 'succeeded', true);
      const last = !failure || (success && newerThan(success, failure)) ? success : failure;
      await tx.query(
        `INSERT INTO folder_summary (folder, has_jobs) VALUES (?, TRUE) ON DUPLICATE KEY UPDATE has_jobs = TRUE;
         UPDATE folder_summary SET snapshots = ?, last_success_at = ?, last_job_id = ?, last_seq = ?,
           last_status = ?, last_finished_at = ?, last_error_code = ?, last_added_bytes = ? WHERE folder = ?`,
        [
          folder,
          Number(counts.snapshots),
          success?.finished_at ?? null,
          last?.id ?? null,
          last?.seq ?? null,
          last?.status ?? null,
          last?.finished_at ?? null,
          last?.error_code ?? null,
          last?.status === 'succeeded'
            ? addedBytes(backupResultSchema.parse(JSON.parse(String(last.result))))
            : null,
          folder,
        ],
      );
      await setLatest(tx, folder, latest);
    });
  }
}

function newerThan(a: RowDataPacket, b: RowDataPacket): boolean {
  const at = (a.finished_at as Date).getTime() - (b.finished_at as Date).getTime();
  return at > 0 || (at === 0 && Number(a.seq) > Number(b.seq));
}

/**
 * The newest backup of a folder that ended with `status` (only those whose snapshot is kept, with
 * `kept`), read in order from the index of migration 0014.
 */
async function newestBackup(
  tx: DbConnection,
  folder: string,
  status: 'succeeded' | 'failed',
  kept: boolean,
): Promise<RowDataPacket | undefined> {
  const [rows] = await tx.query<RowDataPacket[]>(
    `SELECT id, seq, status, finished_at, error_code, result, snapshot, files_done, bytes_done FROM backup_job
     WHERE folder = ? AND kind = 'backup' AND status = ? ${kept ? 'AND pruned_at IS NULL' : ''}
       AND CAST(folder AS BINARY) = CAST(? AS BINARY)
     ORDER BY finished_at DESC, seq DESC LIMIT 1`,
    [folder, status, folder],
  );
  return rows[0];
}

/** Sets a folder's newest snapshot to that of the backup `row` (none: undefined). */
async function setLatest(tx: DbConnection, folder: string, row: RowDataPacket | undefined): Promise<void> {
  await tx.query(
    `UPDATE folder_summary SET latest_job_id = ?, latest_seq = ?, latest_finished_at = ?,
       latest_snapshot = ?, latest_files = ?, latest_bytes = ? WHERE folder = ?`,
    row
      ? [row.id, row.seq, row.finished_at, row.snapshot, row.files_done, row.bytes_done, folder]
      : [null, null, null, null, null, null, folder],
  );
}

const SUMMARY_COLUMNS = `folder, schedules, has_policy, last_job_id, last_status, last_finished_at,
  last_error_code, last_added_bytes, last_success_at, snapshots, latest_job_id, latest_finished_at,
  latest_snapshot, latest_files, latest_bytes`;

export interface ListFoldersQuery {
  limit: number;
  cursor?: string;
}

/** The folders that have a job, a schedule or a policy, in the byte order of their names, a page at a time. */
export async function listFolders(db: Db, query: ListFoldersQuery): Promise<Page<FolderSummary>> {
  let after = '';
  const params: (string | number)[] = [];
  if (query.cursor) {
    const position = decodeCursor(query.cursor, ['string']);
    if (!position) throw new InvalidCursorError();
    after = 'WHERE folder > ?';
    params.push(position[0] as string);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${SUMMARY_COLUMNS} FROM folder_summary ${after} ORDER BY folder LIMIT ?`,
    [...params, query.limit + 1],
  );
  const items = rows.slice(0, query.limit).map(summaryFromRow);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor([last.folder]) : null };
}

/** The summary of one folder; null when it has no job, no schedule and no policy. */
export async function getFolderSummary(db: Db, folder: string): Promise<FolderSummary | null> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${SUMMARY_COLUMNS} FROM folder_summary WHERE folder = ?`,
    [folder],
  );
  return rows[0] ? summaryFromRow(rows[0]) : null;
}

function summaryFromRow(row: RowDataPacket): FolderSummary {
  const iso = (value: unknown) => (value ? (value as Date).toISOString() : null);
  return {
    folder: (row.folder as Buffer).toString('utf8'),
    lastBackup: row.last_job_id
      ? {
          id: String(row.last_job_id),
          status: row.last_status === 'succeeded' ? 'succeeded' : 'failed',
          finishedAt: (row.last_finished_at as Date).toISOString(),
          errorCode: row.last_error_code ?? null,
          addedBytes: row.last_added_bytes === null ? null : Number(row.last_added_bytes),
        }
      : null,
    lastSuccessAt: iso(row.last_success_at),
    snapshotCount: Number(row.snapshots),
    latestSnapshot: row.latest_job_id
      ? {
          backupId: String(row.latest_job_id),
          snapshot: String(row.latest_snapshot),
          finishedAt: (row.latest_finished_at as Date).toISOString(),
          files: Number(row.latest_files),
          bytes: Number(row.latest_bytes),
        }
      : null,
    scheduleCount: Number(row.schedules),
    hasPolicy: Boolean(row.has_policy),
  };
}
