import type { Migration } from './migration.js';

/**
 * The catalog of object repositories (docs/repository.md, "The catalog"), every row keyed by the
 * repository's id (its config's, 32 bytes) so that two repositories never mix:
 *
 * - `repository_pack`: each pack recorded, by object name, with its kind and size.
 * - `repository_blob`: each blob recorded, by id, with where its sealed bytes are: the pack that
 *   was recorded first for it, the offset and the length there.
 * - `repository_catalog`: when the catalog of a repository was last rebuilt from its objects; a
 *   repository without a row has never been rebuilt into this database.
 *
 * All three can be derived again from the repository's objects: the bucket is the record, these
 * are its index.
 */
export const migration: Migration = {
  name: '0013-repository-catalog',
  up: async (db) => {
    await db.query(`CREATE TABLE repository_pack(
      repository_id BINARY(32) NOT NULL,
      name VARCHAR(255) NOT NULL,
      kind VARCHAR(8) NOT NULL,
      size BIGINT UNSIGNED NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (repository_id, name)
    ) CHARACTER SET ascii COLLATE ascii_bin`);
    await db.query(`CREATE TABLE repository_blob(
      repository_id BINARY(32) NOT NULL,
      id BINARY(32) NOT NULL,
      kind VARCHAR(8) NOT NULL,
      pack VARCHAR(255) NOT NULL,
      byte_offset BIGINT UNSIGNED NOT NULL,
      byte_length INT UNSIGNED NOT NULL,
      PRIMARY KEY (repository_id, id)
    ) CHARACTER SET ascii COLLATE ascii_bin`);
    await db.query(`CREATE TABLE repository_catalog(
      repository_id BINARY(32) NOT NULL PRIMARY KEY,
      rebuilt_at DATETIME(3) NOT NULL
    ) CHARACTER SET ascii COLLATE ascii_bin`);
  },
};
