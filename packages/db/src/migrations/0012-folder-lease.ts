import type { Migration } from './migration.js';

/**
 * `folder_lease`: the lease that lets one backup of a folder run at a time, across every worker
 * (packages/db/src/leases/folder-lease.ts). One row per folder ever leased, keyed by the SHA-256 of
 * the folder; `token` (the fencing token) only ever grows, so a holder whose lease was taken over
 * can tell. A released lease keeps its row: no holder, expired.
 */
export const migration: Migration = {
  name: '0012-folder-lease',
  up: async (db) => {
    await db.query(`CREATE TABLE folder_lease(
      folder_key CHAR(64) NOT NULL PRIMARY KEY,
      folder VARCHAR(1000) NOT NULL,
      holder VARCHAR(255) NULL,
      token BIGINT UNSIGNED NOT NULL,
      expires_at DATETIME(3) NOT NULL
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  },
};
