import { ACTION_OF_KIND, type BackupResult, backupResultSchema } from '@strongbox/contract';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';
import { recordBackupEnd } from '../folders/folder-summary.js';
import { countTransition } from '../jobs/count-jobs.js';
import { recordEnd } from '../jobs/record-end.js';
import { insertLogWith } from '../logs/insert-log.js';
import { repositoryKey } from './catalog-blob-index.js';

/** A snapshot of the repository as the catalog records it. */
export interface CatalogSnapshot {
  /** The backup job that made it: the snapshot's name. */
  jobId: string;
  folder: string;
  /** When the backup read the folder. */
  time: Date;
  /** What the backup answered. */
  result: BackupResult;
}

/**
 * An open object repository, as a rebuild reads it (the engine's ObjectRepository): its id, its
 * packs recorded into the blob index of this same database (`catalogBlobIndex`), and its snapshots.
 */
export interface CatalogSource {
  repositoryId(): Promise<string>;
  /** Records in the catalog's blob index every pack of the repository it lacks. */
  catchUp(): Promise<{ packs: number; blobs: number }>;
  /** The job ids of the repository's snapshots. */
  snapshotIds(): AsyncIterable<string>;
  /** One snapshot; null when it is gone. */
  snapshotRecord(jobId: string): Promise<CatalogSnapshot | null>;
}

/** What a rebuild found and added. */
export interface RebuildCounts {
  /** Snapshots the repository holds. */
  snapshots: number;
  /** Backup jobs recorded for snapshots that had none. */
  added: number;
  /** Packs recorded in the blob index. */
  packs: number;
  /** Blobs those packs hold. */
  blobs: number;
}

/** Snapshot ids looked up in the jobs at once. */
const PAGE = 500;

/** The log message of a backup job recorded by a rebuild. */
export const REBUILT_MESSAGE = 'rebuilt from the repository';

/**
 * Rebuilds the catalog of an object repository from its objects: records the packs the blob
 * index lacks (their headers), then, for every snapshot without a job, a succeeded backup job of
 * that id, with the snapshot's folder, time and result, counted and logged as a finished job is
 * (its log row says it was rebuilt), oldest snapshot first. Last, marks the repository's catalog
 * as rebuilt. Only the snapshots without a job are read, and held until they are recorded.
 *
 * Idempotent, and safe to run twice at once: a job is inserted only if its id is free, and only
 * the insert that did it counts and logs it.
 */
export async function rebuildCatalog(db: Db, source: CatalogSource): Promise<RebuildCounts> {
  const repository = repositoryKey(await source.repositoryId());
  const { packs, blobs } = await source.catchUp();
  let snapshots = 0;
  const missing: CatalogSnapshot[] = [];
  let page: string[] = [];
  const readPage = async () => {
    for (const jobId of await withoutJob(db, page)) {
      const snapshot = await source.snapshotRecord(jobId);
      if (snapshot) missing.push(snapshot);
    }
    page = [];
  };
  for await (const jobId of source.snapshotIds()) {
    snapshots++;
    page.push(jobId);
    if (page.length >= PAGE) await readPage();
  }
  await readPage();
  // Oldest first, so that the jobs list (newest recorded first) shows a folder's snapshots newest first.
  missing.sort((a, b) => a.time.getTime() - b.time.getTime() || a.jobId.localeCompare(b.jobId));
  let added = 0;
  for (const snapshot of missing) if (await recordRebuiltJob(db, snapshot)) added++;
  await inTransaction(
    db,
    (tx) =>
      tx.execute<ResultSetHeader>(
        `INSERT INTO repository_catalog (repository_id, rebuilt_at) VALUES (?, UTC_TIMESTAMP(3))
         ON DUPLICATE KEY UPDATE rebuilt_at = VALUES(rebuilt_at)`,
        [repository],
      ),
    { oneRoundTrip: true },
  );
  return { snapshots, added, packs, blobs };
}

/** When the catalog of the repository was last rebuilt into this database; null when never. */
export async function catalogRebuiltAt(db: Db, repositoryId: string): Promise<Date | null> {
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT rebuilt_at FROM repository_catalog WHERE repository_id = ?',
    [repositoryKey(repositoryId)],
  );
  return (rows[0]?.rebuilt_at as Date | undefined) ?? null;
}

async function withoutJob(db: Db, jobIds: string[]): Promise<string[]> {
  if (jobIds.length === 0) return [];
  const [rows] = await db.query<RowDataPacket[]>('SELECT id FROM backup_job WHERE id IN (?)', [jobIds]);
  const found = new Set(rows.map((row) => String(row.id)));
  return jobIds.filter((id) => !found.has(id));
}

/**
 * Inserts the succeeded backup job of a snapshot, with its counts, its folder's newest success and
 * summary, and its log row, in one transaction, in the order finishJob takes the same locks; answers false,
 * writing nothing, when a job of that id exists (another rebuild recorded it first).
 */
async function recordRebuiltJob(db: Db, snapshot: CatalogSnapshot): Promise<boolean> {
  const result = backupResultSchema.parse({ ...snapshot.result, snapshot: snapshot.jobId });
  const startedAt = snapshot.time;
  const finishedAt = new Date(startedAt.getTime() + result.durationMs);
  return inTransaction(db, async (tx) => {
    let seq: number;
    try {
      const [inserted] = await tx.execute<ResultSetHeader>(
        `INSERT INTO backup_job (id, kind, folder, status, attempts, created_at, started_at, finished_at,
         files_done, files_total, bytes_done, bytes_total, result, snapshot, files_copied, bytes_copied)
       VALUES (?, 'backup', ?, 'succeeded', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          snapshot.jobId,
          snapshot.folder,
          startedAt,
          startedAt,
          finishedAt,
          result.files,
          result.files,
          result.bytes,
          result.bytes,
          JSON.stringify(result),
          snapshot.jobId,
          result.copiedFiles,
          result.copiedBytes,
        ],
      );
      seq = inserted.insertId;
    } catch (error) {
      // The unique key on the id: a job of that id is recorded (another rebuild won).
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY') return false;
      throw error;
    }
    await countTransition(tx, {
      kind: 'backup',
      from: null,
      to: 'succeeded',
      copied: { files: result.copiedFiles, bytes: result.copiedBytes, finishedAt },
    });
    await recordEnd(tx, {
      kind: 'backup',
      folder: snapshot.folder,
      status: 'succeeded',
      code: null,
      at: finishedAt,
    });
    await recordBackupEnd(tx, {
      folder: snapshot.folder,
      jobId: snapshot.jobId,
      seq,
      at: finishedAt,
      result,
      errorCode: null,
    });
    await insertLogWith(tx, {
      date: finishedAt,
      action: ACTION_OF_KIND.backup,
      parameter: snapshot.folder,
      status: 'SUCCESS',
      jobId: snapshot.jobId,
      message: REBUILT_MESSAGE,
    });
    return true;
  });
}
