import type { Migration } from './migration.js';

/**
 * `folder_policy`: a folder's policy (packages/contract/src/policy.ts), one row per folder that has
 * one, keyed by the SHA-256 of the folder like `folder_lease`. `policy` is the policy's JSON as the
 * contract writes it; `updated_at` is when it was last set.
 */
export const migration: Migration = {
  name: '0015-folder-policy',
  up: async (db) => {
    await db.query(`CREATE TABLE folder_policy(
      folder_key CHAR(64) NOT NULL PRIMARY KEY,
      folder VARCHAR(1000) NOT NULL,
      policy TEXT NOT NULL,
      updated_at DATETIME(3) NOT NULL
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  },
};
