import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';

/** The kinds of blob and pack of an object repository. */
export type CatalogBlobKind = 'data' | 'tree';

/** Where one blob is: its pack's object name, and its sealed bytes' place in it. */
export interface CatalogBlobPlace {
  kind: CatalogBlobKind;
  pack: string;
  offset: number;
  length: number;
}

/** A stored pack and the blobs its header lists. */
export interface CatalogPack {
  pack: string;
  kind: CatalogBlobKind;
  size: number;
  blobs: { id: Buffer; offset: number; length: number }[];
}

/** The blob index of one object repository in the catalog: the engine's `BlobIndex` over MySQL. */
export interface CatalogBlobIndex {
  existing(ids: readonly Buffer[]): Promise<Set<string>>;
  place(id: Buffer): Promise<CatalogBlobPlace | null>;
  record(pack: CatalogPack): Promise<void>;
  unrecorded(packs: readonly string[]): Promise<Set<string>>;
}

/**
 * A blob recorded again is left where it is, unless its place is a pack a prune condemned (the
 * backup stored it again because the lookup did not offer it): then it moves to the new pack, which
 * is assigned last, after the columns that read the old one.
 */
const REPLACE_CONDEMNED = ['kind', 'byte_offset', 'byte_length', 'pack']
  .map(
    (column) =>
      `${column} = IF(EXISTS (SELECT 1 FROM repository_condemned_pack c WHERE c.repository_id = ` +
      `repository_blob.repository_id AND c.name = repository_blob.pack), VALUES(${column}), ${column})`,
  )
  .join(', ');

/** Ids or names in one `IN (…)` list at most, and blob rows in one INSERT. */
const IN_LIST = 1000;

/**
 * The blob index of the repository whose config id is `repositoryId` (64 hex digits), in tables
 * of migration 0013: what a worker asks before it stores a chunk and where a read finds a blob,
 * without listing the bucket or holding the index in memory. Lookups are one query per up to 1000
 * ids; recording is idempotent, so that two writers recording the same blob (each in a pack of its
 * own) or the same pack at once both succeed, and the first pack recorded keeps the blob.
 */
export function catalogBlobIndex(db: Db, repositoryId: string): CatalogBlobIndex {
  const repository = repositoryKey(repositoryId);
  return {
    async existing(ids) {
      const held = new Set<string>();
      for (let at = 0; at < ids.length; at += IN_LIST) {
        const [rows] = await db.query<RowDataPacket[]>(
          // A blob placed in a condemned pack is not offered: the backup stores it again.
          `SELECT b.id FROM repository_blob b
           WHERE b.repository_id = ? AND b.id IN (?) AND NOT EXISTS (SELECT 1 FROM repository_condemned_pack c
             WHERE c.repository_id = b.repository_id AND c.name = b.pack)`,
          [repository, ids.slice(at, at + IN_LIST)],
        );
        for (const row of rows) held.add((row.id as Buffer).toString('hex'));
      }
      return held;
    },

    async place(id) {
      const [rows] = await db.execute<RowDataPacket[]>(
        `SELECT kind, pack, byte_offset, byte_length FROM repository_blob
         WHERE repository_id = ? AND id = ?`,
        [repository, id],
      );
      const row = rows[0];
      if (!row) return null;
      return {
        kind: row.kind as CatalogBlobKind,
        pack: String(row.pack),
        offset: Number(row.byte_offset),
        length: Number(row.byte_length),
      };
    },

    async record({ pack, kind, size, blobs }) {
      // In id order, so that two transactions recording the same blobs lock their rows in the same order.
      const sorted = [...blobs].sort((a, b) => Buffer.compare(a.id, b.id));
      await inTransaction(db, async (tx) => {
        for (let at = 0; at < sorted.length; at += IN_LIST) {
          const rows = sorted
            .slice(at, at + IN_LIST)
            .map(({ id, offset, length }) => [repository, id, kind, pack, offset, length]);
          await tx.query<ResultSetHeader>(
            `INSERT INTO repository_blob (repository_id, id, kind, pack, byte_offset, byte_length)
             VALUES ? ON DUPLICATE KEY UPDATE ${REPLACE_CONDEMNED}`,
            [rows],
          );
        }
        await tx.query<ResultSetHeader>(
          `INSERT INTO repository_pack (repository_id, name, kind, size, created_at)
           VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE name = name`,
          [repository, pack, kind, size],
        );
      });
    },

    async unrecorded(packs) {
      const missing = new Set(packs);
      for (let at = 0; at < packs.length; at += IN_LIST) {
        const [rows] = await db.query<RowDataPacket[]>(
          'SELECT name FROM repository_pack WHERE repository_id = ? AND name IN (?)',
          [repository, packs.slice(at, at + IN_LIST)],
        );
        for (const row of rows) missing.delete(String(row.name));
      }
      return missing;
    },
  };
}

/** The 32 bytes of a repository's id (its config's, 64 hex digits). */
export function repositoryKey(repositoryId: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(repositoryId)) {
    throw new RangeError(`a repository id is 64 hex digits: got ${JSON.stringify(repositoryId)}`);
  }
  return Buffer.from(repositoryId, 'hex');
}
