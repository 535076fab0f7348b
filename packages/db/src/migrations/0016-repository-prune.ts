import type { Migration } from './migration.js';

/**
 * The state a prune of an object repository keeps between runs (docs/repository.md, "Maintenance"):
 *
 * - `repository_condemned_pack`: the packs a prune condemned, by object name, keyed by the
 *   repository's id like the catalog. A blob placed in a condemned pack is not offered to backups
 *   for dedup. `condemned_at` is when the row was written (the sessions' time zone is UTC); `visible_at` is stamped right after the
 *   condemnation committed (NULL only for a prune killed in between; the next prune stamps it): a
 *   backup that started after `visible_at` was never offered the pack's blobs.
 * - An index of `repository_blob` by pack, so that a prune reads the blobs placed in each pack, and
 *   forgets those of a deleted pack, without scanning every blob.
 *
 * The registry of running backups is `backup_job` itself: its backups in status `running`, with
 * their `started_at`.
 */
export const migration: Migration = {
  name: '0016-repository-prune',
  up: async (db) => {
    await db.query(`CREATE TABLE repository_condemned_pack(
      repository_id BINARY(32) NOT NULL,
      name VARCHAR(255) NOT NULL,
      condemned_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      visible_at DATETIME(3) NULL,
      PRIMARY KEY (repository_id, name)
    ) CHARACTER SET ascii COLLATE ascii_bin`);
    await db.query('ALTER TABLE repository_blob ADD INDEX repository_blob_pack (repository_id, pack)');
  },
};
