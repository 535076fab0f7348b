import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import type { Migration } from './migration.js';

/**
 * Folders compared byte for byte. `utf8mb4_bin` is a PAD SPACE collation: `'a' = 'a '` is true,
 * so the jobs, snapshots and schedules of folder `"a "` (a legal name) answered for `"a"` too, and
 * `latest` of one could name the other's snapshot. The folder columns that queries compare with
 * `=` move to the server's NO PAD binary collation (MariaDB `utf8mb4_nopad_bin`, MySQL 8
 * `utf8mb4_0900_bin`); their indexes stay. Tables keyed by SHA2(folder) were exact already, but
 * their `folder` column moves too: every folder column has the one collation, so a query may
 * compare any two of them (two collations is "Illegal mix of collations").
 */
const FOLDER_COLUMNS: ReadonlyArray<readonly [table: string, nullable: boolean]> = [
  ['backup_job', false],
  ['schedule', false],
  ['webhook', true],
  ['folder_backup', false],
  ['folder_lease', false],
  ['folder_policy', false],
];

export const migration: Migration = {
  name: '0020-exact-folders',
  up: async (db) => {
    const collation = await noPadBinary(db);
    for (const [table, nullable] of FOLDER_COLUMNS) {
      await db.query(
        `ALTER TABLE ${table} MODIFY folder VARCHAR(1000) CHARACTER SET utf8mb4 COLLATE ${collation} ${nullable ? 'NULL' : 'NOT NULL'}`,
      );
    }
  },
};

async function noPadBinary(db: Db): Promise<string> {
  const [rows] = await db.query<RowDataPacket[]>(
    "SHOW COLLATION WHERE Collation IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
  );
  const names = rows.map((row) => String(row.Collation));
  const found = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'].find((name) => names.includes(name));
  if (!found) {
    throw new Error(
      'This server has no NO PAD binary collation for utf8mb4: MariaDB ≥ 10.2 or MySQL ≥ 8.0 is needed',
    );
  }
  return found;
}
