import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { type CatalogBlobPlace, catalogBlobIndex, repositoryKey } from './catalog-blob-index.js';

/** The catalog as a check of the repository reads it (the engine's `CheckCatalog`). */
export interface CheckCatalogView {
  packs(): Promise<{ name: string; size: number | null; blobs: number }[]>;
  places(ids: readonly Buffer[]): Promise<Map<string, CatalogBlobPlace>>;
  placedIn(pack: string): Promise<{ id: Buffer; offset: number; length: number }[]>;
  unrecorded(packs: readonly string[]): Promise<Set<string>>;
}

/** Ids in one `IN (…)` list at most. */
const IN_LIST = 1000;

/**
 * The catalog of the repository `repositoryId` as a check reads it: its packs (one row a pack, from
 * the packs recorded and the packs blobs are placed in, each counted once in a scan of the blob
 * table), blob places by id (primary-key lookups, 1000 a query), and, only for a pack found
 * wrong, the blobs placed in it.
 */
export function checkCatalog(db: Db, repositoryId: string): CheckCatalogView {
  const repository = repositoryKey(repositoryId);
  const index = catalogBlobIndex(db, repositoryId);
  return {
    async packs() {
      const [recorded] = await db.query<RowDataPacket[]>(
        'SELECT name, size FROM repository_pack WHERE repository_id = ?',
        [repository],
      );
      const [placed] = await db.query<RowDataPacket[]>(
        'SELECT pack, COUNT(*) AS blobs FROM repository_blob WHERE repository_id = ? GROUP BY pack',
        [repository],
      );
      const packs = new Map<string, { name: string; size: number | null; blobs: number }>();
      for (const row of recorded) {
        const name = String(row.name);
        packs.set(name, { name, size: Number(row.size), blobs: 0 });
      }
      for (const row of placed) {
        const name = String(row.pack);
        const pack = packs.get(name) ?? { name, size: null, blobs: 0 };
        pack.blobs = Number(row.blobs);
        packs.set(name, pack);
      }
      return [...packs.values()];
    },

    async places(ids) {
      const places = new Map<string, CatalogBlobPlace>();
      for (let at = 0; at < ids.length; at += IN_LIST) {
        const [rows] = await db.query<RowDataPacket[]>(
          `SELECT id, kind, pack, byte_offset, byte_length FROM repository_blob
           WHERE repository_id = ? AND id IN (?)`,
          [repository, ids.slice(at, at + IN_LIST)],
        );
        for (const row of rows) {
          places.set((row.id as Buffer).toString('hex'), {
            kind: row.kind as CatalogBlobPlace['kind'],
            pack: String(row.pack),
            offset: Number(row.byte_offset),
            length: Number(row.byte_length),
          });
        }
      }
      return places;
    },

    async placedIn(pack) {
      const [rows] = await db.query<RowDataPacket[]>(
        `SELECT id, byte_offset, byte_length FROM repository_blob
         WHERE repository_id = ? AND pack = ? ORDER BY id`,
        [repository, pack],
      );
      return rows.map((row) => ({
        id: row.id as Buffer,
        offset: Number(row.byte_offset),
        length: Number(row.byte_length),
      }));
    },

    unrecorded: (packs) => index.unrecorded(packs),
  };
}
