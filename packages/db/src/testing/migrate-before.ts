import type { Db } from '../connection.js';
import { migrations } from '../migrations/index.js';

/**
 * Brings an empty test database to the schema as it was before migration `name`, recorded as
 * `migrate` records it: a test then writes rows as the code of that time did, and `migrate` applies
 * `name` and what follows.
 */
export async function migrateBefore(db: Db, name: string): Promise<void> {
  await db.query(`CREATE TABLE schema_migrations(
    name VARCHAR(255) PRIMARY KEY, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`);
  for (const migration of migrations.filter((m) => m.name < name)) {
    await migration.up(db);
    await db.query('INSERT INTO schema_migrations (name) VALUES (?)', [migration.name]);
  }
}
