import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type Db, inTransaction } from '../connection.js';
import { type CatalogBlobKind, type CatalogPack, repositoryKey } from './catalog-blob-index.js';

/** The state of a pack for a prune (the engine's `PrunePackState`). */
export type PrunePackState = 'live' | 'young' | 'condemned' | 'deletable';

/** A recorded pack, its state, and the blobs the catalog places in it (the engine's `PrunePack`). */
export interface CatalogPrunePack {
  pack: string;
  kind: CatalogBlobKind;
  size: number;
  state: PrunePackState;
  blobs: { id: Buffer; offset: number; length: number }[];
}

/** The moment a prune marks after (the engine's `PruneHorizon`). */
export interface CatalogHorizon {
  at: Date;
  runningBackups: number;
}

/** What a prune asks of the catalog: the engine's `PruneCatalog` over MySQL. */
export interface CatalogPrune {
  horizon(): Promise<CatalogHorizon>;
  packs(horizon: CatalogHorizon): AsyncIterable<CatalogPrunePack[]>;
  condemn(packs: readonly string[]): Promise<void>;
  rescue(packs: readonly string[]): Promise<void>;
  repacked(pack: CatalogPack, from: readonly string[]): Promise<void>;
  forget(pack: string): Promise<void>;
}

/** Packs a page of the prune, and names in one `IN (…)` list at most. */
const PAGE = 500;

/** Blobs read at once from the catalog, and about the most a part of a page of packs holds. */
export const BLOB_PAGE = 20_000;

/**
 * The prune's side of the catalog of the repository whose config id is `repositoryId`, in the
 * tables of migrations 0013 and 0016 (docs/repository.md, "Maintenance"):
 *
 * - the **registry of running backups** is `backup_job`: the horizon is the `started_at` of the
 *   oldest backup in status `running` (the first attempt's: a retried backup counts from its
 *   first start), or the database's time when none runs;
 * - a condemned pack is **deletable** when its condemnation became visible (`visible_at`, stamped
 *   after it committed) before the horizon, or when no backup was running at all: every backup that
 *   could have been offered its blobs had ended then;
 * - a pack is **young** when it was recorded at or after the horizon while backups were running: one
 *   of them may have stored it and not committed yet.
 *
 * All times are the database server's, so the workers' clocks do not matter.
 */
export function pruneCatalog(db: Db, repositoryId: string): CatalogPrune {
  const repository = repositoryKey(repositoryId);
  const stamp = () =>
    db.execute<ResultSetHeader>(
      `UPDATE repository_condemned_pack SET visible_at = UTC_TIMESTAMP(3)
       WHERE repository_id = ? AND visible_at IS NULL`,
      [repository],
    );
  /**
   * The blobs the catalog places in `pack`, read BLOB_PAGE at a time by id (migration 0016's
   * `repository_blob_pack` index, whose entries end with the id): their ids copied into one Buffer
   * a read, so that neither the driver's rows nor a Buffer a blob outlive the read.
   */
  const blobsOf = async (pack: string): Promise<CatalogPrunePack['blobs']> => {
    const blobs: CatalogPrunePack['blobs'] = [];
    let after: Buffer = Buffer.alloc(0);
    for (;;) {
      const [rows] = await db.query<RowDataPacket[]>(
        `SELECT id, byte_offset, byte_length FROM repository_blob
         WHERE repository_id = ? AND pack = ? AND id > ? ORDER BY id LIMIT ?`,
        [repository, pack, after, BLOB_PAGE],
      );
      const ids = Buffer.concat(rows.map((row) => row.id as Buffer));
      let at = 0;
      for (const row of rows) {
        const length = (row.id as Buffer).length;
        blobs.push({
          id: ids.subarray(at, at + length),
          offset: Number(row.byte_offset),
          length: Number(row.byte_length),
        });
        at += length;
      }
      if (rows.length < BLOB_PAGE) return blobs;
      after = blobs.at(-1)!.id;
    }
  };
  return {
    async horizon() {
      await stamp();
      const [rows] = await db.query<RowDataPacket[]>(
        `SELECT UTC_TIMESTAMP(3) AS now, COUNT(*) AS running, MIN(started_at) AS oldest
         FROM backup_job WHERE kind = 'backup' AND status = 'running'`,
      );
      const row = rows[0] as RowDataPacket;
      return { at: (row.oldest ?? row.now) as Date, runningBackups: Number(row.running) };
    },

    async *packs(horizon) {
      const running = horizon.runningBackups;
      let after = '';
      for (;;) {
        const [rows] = await db.query<RowDataPacket[]>(
          `SELECT p.name, p.kind, p.size, COALESCE(? > 0 AND p.created_at >= ?, 0) AS young,
             c.name IS NOT NULL AS condemned, COALESCE(? = 0 OR c.visible_at < ?, 0) AS deletable
           FROM repository_pack p
           LEFT JOIN repository_condemned_pack c ON c.repository_id = p.repository_id AND c.name = p.name
           WHERE p.repository_id = ? AND p.name > ? ORDER BY p.name LIMIT ?`,
          // With no backup running at the horizon, no pack is young and every condemnation (all
          // committed before it) is settled: every backup that began before one has ended.
          [running, horizon.at, running, horizon.at, repository, after, PAGE],
        );
        if (rows.length === 0) return;
        // A page of packs is yielded in parts of about BLOB_PAGE blobs: a pack of small chunks
        // holds over a hundred thousand, and the prune holds a part's blobs at once, not a page's.
        let part: CatalogPrunePack[] = [];
        let partBlobs = 0;
        for (const row of rows) {
          const condemned = Number(row.condemned) === 1;
          const state: PrunePackState = condemned
            ? Number(row.deletable) === 1
              ? 'deletable'
              : 'condemned'
            : Number(row.young) === 1
              ? 'young'
              : 'live';
          const name = String(row.name);
          const blobs = await blobsOf(name);
          part.push({ pack: name, kind: row.kind, size: Number(row.size), state, blobs });
          partBlobs += blobs.length;
          if (partBlobs >= BLOB_PAGE) {
            yield part;
            part = [];
            partBlobs = 0;
          }
        }
        if (part.length > 0) yield part;
        after = String(rows.at(-1)?.name);
        if (rows.length < PAGE) return;
      }
    },

    async condemn(packs) {
      for (let at = 0; at < packs.length; at += PAGE) {
        await db.query<ResultSetHeader>(
          `INSERT INTO repository_condemned_pack (repository_id, name) VALUES ?
           ON DUPLICATE KEY UPDATE name = name`,
          [packs.slice(at, at + PAGE).map((name) => [repository, name])],
        );
      }
      // Committed: from now on no lookup offers their blobs. Stamped after, never before.
      await stamp();
    },

    async rescue(packs) {
      for (let at = 0; at < packs.length; at += PAGE) {
        await db.query<ResultSetHeader>(
          'DELETE FROM repository_condemned_pack WHERE repository_id = ? AND name IN (?)',
          [repository, packs.slice(at, at + PAGE)],
        );
      }
    },

    async repacked({ pack, kind, size, blobs }, from) {
      const sorted = [...blobs].sort((a, b) => Buffer.compare(a.id, b.id));
      await inTransaction(db, async (tx) => {
        await tx.query<ResultSetHeader>(
          `INSERT INTO repository_pack (repository_id, name, kind, size, created_at)
           VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE name = name`,
          [repository, pack, kind, size],
        );
        for (let at = 0; at < sorted.length; at += PAGE) {
          const rows = sorted
            .slice(at, at + PAGE)
            .map(({ id, offset, length }) => [repository, id, kind, pack, offset, length]);
          // The copies are placed in the new pack, whatever pack held them.
          await tx.query<ResultSetHeader>(
            `INSERT INTO repository_blob (repository_id, id, kind, pack, byte_offset, byte_length)
             VALUES ? ON DUPLICATE KEY UPDATE kind = VALUES(kind), byte_offset = VALUES(byte_offset),
               byte_length = VALUES(byte_length), pack = VALUES(pack)`,
            [rows],
          );
        }
        if (from.length > 0) {
          await tx.query<ResultSetHeader>(
            `INSERT INTO repository_condemned_pack (repository_id, name) VALUES ?
             ON DUPLICATE KEY UPDATE name = name`,
            [from.map((name) => [repository, name])],
          );
        }
      });
      await stamp();
    },

    async forget(pack) {
      await inTransaction(db, async (tx) => {
        await tx.execute('DELETE FROM repository_blob WHERE repository_id = ? AND pack = ?', [
          repository,
          pack,
        ]);
        await tx.execute('DELETE FROM repository_pack WHERE repository_id = ? AND name = ?', [
          repository,
          pack,
        ]);
        await tx.execute('DELETE FROM repository_condemned_pack WHERE repository_id = ? AND name = ?', [
          repository,
          pack,
        ]);
      });
    },
  };
}
