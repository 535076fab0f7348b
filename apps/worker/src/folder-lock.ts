import { createHash } from 'node:crypto';
import type { Db, DbConnection } from '@strongbox/db';
import type { RowDataPacket } from 'mysql2/promise';

/** A backup's folder lock was lost while it ran (the MySQL server restarted or dropped its connection). */
export class FolderLockLostError extends Error {
  readonly code = 'FOLDER_LOCK_LOST';
  constructor(readonly folder: string) {
    super(
      `The lock on folder ${folder} was lost while the backup ran (the database restarted or dropped ` +
        'its connection); the backup stopped before its snapshot was put in place and will be tried again',
    );
    this.name = 'FolderLockLostError';
  }
}

export interface FolderLock {
  /** Aborted, with a FolderLockLostError, as soon as the lock is known to be lost. */
  readonly lost: AbortSignal;
  /** Asks the server now whether this lock is still held; throws FolderLockLostError when not. */
  assertHeld(): Promise<void>;
  /** Stops watching and releases the lock (or drops its connection when the lock was lost). */
  release(): Promise<void>;
}

/** Options for {@link tryLockFolder}. */
export interface FolderLockOptions {
  /**
   * Milliseconds between two checks that the lock's connection still holds it.
   * @defaultValue 1000
   */
  watchIntervalMs?: number;
}

const CHECK_TIMEOUT_MS = 5_000;

/**
 * Takes the server-wide lock that lets one backup of a folder run at a time, across every worker
 * process: a MySQL named lock (`GET_LOCK`) on a connection of its own, so a worker that dies
 * releases it with its connection. Answers null at once when another backup of the folder holds it.
 *
 * A named lock lives exactly as long as its connection, and a server restart ends every
 * connection: the lock then belongs to whoever asks first. So the lock is watched: its connection
 * reporting an error or its end, or the server not answering that this connection holds the lock
 * (`IS_USED_LOCK(name) = CONNECTION_ID()`, asked every `watchIntervalMs`), aborts `lost`, which stops
 * the backup; and the backup asks `assertHeld` once more right before it renames its snapshot into
 * place.
 */
export async function tryLockFolder(
  db: Db,
  database: string,
  folder: string,
  options: FolderLockOptions = {},
): Promise<FolderLock | null> {
  const name = folderLockName(database, folder);
  const connection = await db.getConnection();
  try {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS locked', [name]);
    if (rows[0]?.locked !== 1) {
      connection.release();
      return null;
    }
  } catch (error) {
    connection.destroy();
    throw error;
  }
  return watchLock(connection, name, folder, options.watchIntervalMs ?? 1_000);
}

/**
 * The MySQL lock name of a folder. Names are at most 64 characters: the folder is hashed, with the
 * database, so that two deployments on one server do not block each other.
 */
export function folderLockName(database: string, folder: string): string {
  return `strongbox:${createHash('sha256').update(`${database}\0${folder}`).digest('hex').slice(0, 40)}`;
}

function watchLock(connection: DbConnection, name: string, folder: string, intervalMs: number): FolderLock {
  const controller = new AbortController();
  const lose = () => {
    if (!controller.signal.aborted) controller.abort(new FolderLockLostError(folder));
  };
  // The core connection emits these when its socket errs or ends: the server is gone, and the lock with it.
  const core = connection.connection;
  core.once('error', lose);
  core.once('end', lose);

  const holds = async (): Promise<boolean> => {
    if (controller.signal.aborted) return false;
    try {
      const [rows] = await connection.query<RowDataPacket[]>({
        sql: 'SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine',
        values: [name],
        timeout: CHECK_TIMEOUT_MS,
      });
      if (rows[0]?.mine === 1) return true;
    } catch {}
    lose();
    return false;
  };

  let checking: Promise<boolean> | null = null;
  const check = () => {
    checking ??= holds().finally(() => {
      checking = null;
    });
    return checking;
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();

  return {
    lost: controller.signal,
    async assertHeld() {
      if (!(await check())) throw controller.signal.reason;
    },
    async release() {
      clearInterval(timer);
      await checking;
      core.off('error', lose);
      core.off('end', lose);
      if (controller.signal.aborted) {
        connection.destroy();
        return;
      }
      try {
        await connection.query('SELECT RELEASE_LOCK(?)', [name]);
        connection.release();
      } catch {
        // A connection that cannot release its lock must not go back to the pool holding it.
        connection.destroy();
      }
    },
  };
}
