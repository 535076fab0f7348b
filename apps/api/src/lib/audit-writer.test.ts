import { connectDatabase, type Db, migrate } from '@strongbox/db';
import { createTestDatabase, type TestDatabase } from '@strongbox/services/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../testing/test-app.js';
import { AuditWriter } from './audit-writer.js';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await connectDatabase(database.url);
  await migrate(db);
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

type Row = { action: string; parameter: string | null; status: string };

async function rowsOf(on: Db, action: string): Promise<Row[]> {
  const [rows] = await on.query('SELECT action, parameter, status FROM log WHERE action = ? ORDER BY id', [
    action,
  ]);
  return rows as Row[];
}

describe('audit rows of reads', () => {
  it('are all written when the API closes, before their timer', async () => {
    // A timer far longer than the test: only the close can write them.
    const t = await startTestApp({ env: { AUDIT_FLUSH_MS: '10000' } });
    try {
      for (let i = 0; i < 3; i++)
        expect((await t.app.inject({ method: 'GET', url: '/stats' })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/logs?action=Backup' })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/logs?from=nope' })).statusCode).toBe(400);
      expect(await rowsOf(t.db, 'Get Stats')).toEqual([]);
      await t.app.close();
      expect(await rowsOf(t.db, 'Get Stats')).toEqual([
        { action: 'Get Stats', parameter: null, status: 'SUCCESS' },
        { action: 'Get Stats', parameter: null, status: 'SUCCESS' },
        { action: 'Get Stats', parameter: null, status: 'SUCCESS' },
      ]);
      expect(await rowsOf(t.db, 'Get Log')).toEqual([
        { action: 'Get Log', parameter: 'action=Backup', status: 'SUCCESS' },
        { action: 'Get Log', parameter: 'from=nope', status: 'FAILED' },
      ]);
    } finally {
      await t.close();
    }
  });

  it('that MySQL refused are kept and written by the next flush, dropping the oldest beyond the bound', async () => {
    const failures: number[] = [];
    const writer = new AuditWriter(db, {
      flushMs: 60_000,
      maxPending: 3,
      onError: (_error, dropped) => failures.push(dropped),
    });
    await db.query('RENAME TABLE log TO log_away');
    try {
      for (const parameter of ['a', 'b', 'c', 'd']) {
        writer.record({ action: 'Get Log', parameter, status: 'SUCCESS' });
      }
      await writer.flush();
    } finally {
      await db.query('RENAME TABLE log_away TO log');
    }
    expect(failures).toEqual([1]);
    expect(await rowsOf(db, 'Get Log')).toEqual([]);
    await writer.close();
    expect((await rowsOf(db, 'Get Log')).map((row) => row.parameter)).toEqual(['b', 'c', 'd']);
  });
});
