import { createTestDatabase, type TestDatabase } from '@strongbox/services/testing';
import { afterAll, beforeAll } from 'vitest';
import { connectDatabase, type Db } from '../connection.js';
import { migrate } from '../migrate.js';

/** The database a test file has to itself; `db` is there from its `beforeAll` on. */
export interface MigratedDatabase {
  readonly db: Db;
  readonly url: string;
}

/**
 * Gives the calling test file a throwaway database of its own, brought to the current schema
 * before its tests and dropped after them (the hooks are registered here, so a failing test
 * leaves nothing behind).
 */
export function useMigratedDatabase(options: { connectionLimit?: number } = {}): MigratedDatabase {
  let database: TestDatabase | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await connectDatabase(database.url, options);
    await migrate(db);
  });
  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('The test database is made in beforeAll: use it from a test or a hook');
      return db;
    },
    get url() {
      if (!database) throw new Error('The test database is made in beforeAll: use it from a test or a hook');
      return database.url;
    },
  };
}
