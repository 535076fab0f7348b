import { createHash } from 'node:crypto';
import type { Db } from '@strongbox/db';
import type { RowDataPacket } from 'mysql2/promise';

export interface FolderLock {
  release(): Promise<void>;
}

/**
 * Takes the server-wide lock that lets one backup of a folder run at a time, across every
 * worker process. The lock lives on a connection of its own, so a worker that dies releases it
 * with its connection. Answers null at once when another backup of the folder holds it.
 */
export async function tryLockFolder(db: Db, database: string, folder: string): Promise<FolderLock | null> {
  // Lock names are at most 64 characters: hash the folder, and the database so that two
  // deployments on one server do not block each other.
  const name = `strongbox:${createHash('sha256').update(`${database}\0${folder}`).digest('hex').slice(0, 40)}`;
  const connection = await db.getConnection();
  try {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS locked', [name]);
    if (rows[0]?.locked !== 1) {
      connection.release();
      return null;
    }
  } catch (error) {
    connection.release();
    throw error;
  }
  return {
    async release() {
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
