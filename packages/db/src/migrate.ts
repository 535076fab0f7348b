import type { RowDataPacket } from 'mysql2/promise';
import { Umzug } from 'umzug';
import type { Db, DbConnection } from './connection.js';
import { migrations } from './migrations/index.js';

/**
 * The name of the server lock that migrations of the connection's database take: one per database
 * (at most 58 characters, within the 64 every server allows), so that processes migrating one
 * database wait for each other and never for those of another database on the same server.
 */
export const MIGRATION_LOCK_NAME_SQL = "CONCAT('strongbox:migrate:', LEFT(SHA2(DATABASE(), 256), 40))";
const LOCK_TIMEOUT_SECONDS = 60;

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** Told about each migration applied. */
  onApplied?: (name: string) => void;
}

/**
 * Brings the schema up to date. Any number of processes may call this at once: a named server
 * lock of the database lets one migrate while the others wait, then find nothing left to do.
 *
 * @returns the names of the migrations this call applied.
 */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<string[]> {
  const connection = await db.getConnection();
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT GET_LOCK(${MIGRATION_LOCK_NAME_SQL}, ?) AS locked`,
      [LOCK_TIMEOUT_SECONDS],
    );
    if (rows[0]?.locked !== 1) {
      throw new Error(
        `Could not take the migration lock within ${LOCK_TIMEOUT_SECONDS}s: another process is migrating; start again when it is done`,
      );
    }
    try {
      return await runPending(db, connection, options);
    } finally {
      await connection.query(`SELECT RELEASE_LOCK(${MIGRATION_LOCK_NAME_SQL})`);
    }
  } finally {
    connection.release();
  }
}

async function runPending(db: Db, connection: DbConnection, options: MigrateOptions): Promise<string[]> {
  await connection.query(`CREATE TABLE IF NOT EXISTS schema_migrations(
    name VARCHAR(255) PRIMARY KEY,
    applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
  )`);
  const umzug = new Umzug<Db>({
    migrations: migrations.map((m) => ({ name: m.name, up: ({ context }) => m.up(context) })),
    context: db,
    logger: undefined,
    storage: {
      async executed() {
        const [rows] = await connection.query<RowDataPacket[]>(
          'SELECT name FROM schema_migrations ORDER BY name',
        );
        return rows.map((row) => String(row.name));
      },
      async logMigration({ name }) {
        await connection.query('INSERT INTO schema_migrations (name) VALUES (?)', [name]);
      },
      async unlogMigration({ name }) {
        await connection.query('DELETE FROM schema_migrations WHERE name = ?', [name]);
      },
    },
  });
  umzug.on('migrated', ({ name }) => options.onApplied?.(name));
  const applied = await umzug.up();
  return applied.map((m) => m.name);
}
