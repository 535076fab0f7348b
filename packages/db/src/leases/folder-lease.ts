import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';

/**
 * The lease key of repository-wide maintenance (prune, check): it holds a NUL, which no folder can
 * (the folder rule refuses control characters), so it never collides with a folder's lease.
 */
export const REPOSITORY_LEASE_KEY = '\u0000repository';

/** A lease on a folder as its holder knows it: who holds it, and the fencing token it was given. */
export interface FolderLease {
  folder: string;
  /** Names the holder, unique to one take: `host:pid` and a random part. */
  holder: string;
  /** Grows by one at every take of the folder's lease: a lease taken over has a new one. */
  token: number;
}

/** Options of the lease queries. */
export interface LeaseQueryOptions {
  /** How long the lease lasts from now, in ms, unless renewed. */
  durationMs: number;
  /** Gives up on an answer after this many ms (the query then rejects). */
  timeoutMs?: number;
}

/**
 * Takes the lease on `folder` for `holder` when nobody holds it: it was never taken, was released,
 * or expired unrenewed. Taking it bumps its fencing token. Expiry is the server's clock, so the
 * clocks of the workers do not matter. Safe to repeat: a take whose answer was lost is taken
 * again by the same holder (with a new token).
 * @returns the lease, or null when another holder has it.
 */
export async function takeFolderLease(
  db: Db,
  folder: string,
  holder: string,
  options: LeaseQueryOptions,
): Promise<FolderLease | null> {
  // The row, if the folder never had one, is made expired; then one conditional UPDATE decides.
  const [results] = (await db.query({
    sql: `INSERT IGNORE INTO folder_lease (folder_key, folder, holder, token, expires_at)
            VALUES (SHA2(?, 256), ?, NULL, 0, '1970-01-01');
          UPDATE folder_lease
            SET token = token + 1, holder = ?, expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND
            WHERE folder_key = SHA2(?, 256) AND (expires_at <= UTC_TIMESTAMP(3) OR holder = ?);
          SELECT token FROM folder_lease WHERE folder_key = SHA2(?, 256) AND holder = ?`,
    values: [folder, folder, holder, micros(options), folder, holder, folder, holder],
    ...timeout(options),
  })) as unknown as [[ResultSetHeader, ResultSetHeader, RowDataPacket[]]];
  const row = results[2][0];
  return results[1].affectedRows === 1 && row ? { folder, holder, token: Number(row.token) } : null;
}

/**
 * Extends the lease to `durationMs` from now, if it is still this one: same holder, same fencing
 * token. An expired lease that nobody took meanwhile is still this one.
 * @returns false when another holder has taken the lease since (or it was released).
 */
export async function renewFolderLease(
  db: Db,
  lease: FolderLease,
  options: LeaseQueryOptions,
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>({
    sql: `UPDATE folder_lease SET expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND
          WHERE folder_key = SHA2(?, 256) AND token = ? AND holder = ?`,
    values: [micros(options), lease.folder, lease.token, lease.holder],
    ...timeout(options),
  });
  return result.affectedRows === 1;
}

/**
 * Ends the lease, if it is still this one, so that the next take need not wait for its expiry.
 * @returns false when it was not this one any more.
 */
export async function releaseFolderLease(
  db: Db,
  lease: FolderLease,
  options: Pick<LeaseQueryOptions, 'timeoutMs'> = {},
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>({
    sql: `UPDATE folder_lease SET holder = NULL, expires_at = '1970-01-01'
          WHERE folder_key = SHA2(?, 256) AND token = ? AND holder = ?`,
    values: [lease.folder, lease.token, lease.holder],
    ...timeout(options),
  });
  return result.affectedRows === 1;
}

function micros(options: LeaseQueryOptions): number {
  return Math.max(0, Math.round(options.durationMs * 1000));
}

function timeout(options: Pick<LeaseQueryOptions, 'timeoutMs'>): { timeout?: number } {
  return options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs };
}
