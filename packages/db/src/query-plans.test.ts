import { createHash } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@strongbox/services/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectDatabase,
  type Db,
  failureCounts,
  getJob,
  getStats,
  lastBackupSuccess,
  listActiveJobs,
  listFolderBackups,
  listFolders,
  listJobs,
  listLogs,
  listSnapshots,
  migrate,
  pruneCatalog,
  seedHistory,
} from './index.js';

let database: TestDatabase;
let db: Db;
let someJobId: string;

// Enough rows that a scan or a sort would cost the planner far more than an index.
const JOBS = 30_000;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await connectDatabase(database.url);
  await migrate(db);
  expect(await seedHistory(db, { jobs: JOBS })).toBe(JOBS);
  await db.query(
    'ANALYZE TABLE backup_job, log, job_count, folder_backup, job_failure_count, folder_summary',
  );
  const [rows] = await db.query<RowDataPacket[]>('SELECT id FROM backup_job WHERE seq = 100');
  someJobId = String(rows[0]?.id);
}, 120_000);

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

interface Plan {
  table: string;
  type: string;
  key: string | null;
  rows: number;
  Extra: string | null;
}

/** Runs `work` on a pool that notes every SELECT it sends, and answers EXPLAIN of each of them. */
async function plansOf(work: (db: Db) => Promise<unknown>): Promise<Plan[][]> {
  const sent: [string, unknown[]][] = [];
  const noting = new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'query' || property === 'execute') {
        return (sql: string, params: unknown[] = []) => {
          if (/^\s*SELECT/i.test(sql)) sent.push([sql, params]);
          return target.query(sql, params);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  await work(noting);
  expect(sent.length).toBeGreaterThan(0);
  const plans: Plan[][] = [];
  for (const [sql, params] of sent) {
    const [rows] = await db.query<RowDataPacket[]>(`EXPLAIN ${sql}`, params);
    plans.push(rows as Plan[]);
  }
  return plans;
}

/**
 * No full scan of a table, no sort of the rows, no temporary table: the page is read in index order
 * (an `index` read of the primary key in order, stopped by LIMIT, is such a read).
 */
function expectIndexOrder(plans: Plan[][]): void {
  for (const plan of plans) {
    for (const step of plan) {
      expect(step.type, JSON.stringify(step)).not.toBe('ALL');
      expect(step.Extra ?? '', JSON.stringify(step)).not.toMatch(/filesort|temporary/);
    }
  }
}

async function cursorAt(db: Db, query: Parameters<typeof listJobs>[1]): Promise<string> {
  const page = await listJobs(db, { ...query, limit: 1000 });
  return page.nextCursor ?? '';
}

describe(`query plans on ${JOBS.toLocaleString('en')} jobs and audit rows`, () => {
  const filters = [
    {},
    { kind: 'backup' },
    { status: 'failed' },
    { folder: 'seed/7' },
    { kind: 'backup', status: 'succeeded' },
    { kind: 'backup', folder: 'seed/7' },
    { status: 'succeeded', folder: 'seed/7' },
    { kind: 'backup', status: 'succeeded', folder: 'seed/7' },
  ] as const;

  for (const filter of filters) {
    it(`reads a page of jobs in index order, first and deep, filtered by ${JSON.stringify(filter)}`, async () => {
      const deep = await cursorAt(db, { ...filter, limit: 1000 });
      expectIndexOrder(await plansOf((noting) => listJobs(noting, { ...filter, limit: 100 })));
      expectIndexOrder(await plansOf((noting) => listJobs(noting, { ...filter, limit: 100, cursor: deep })));
    });
  }

  it('reads a page of one day of audit rows in index order, by action or status too, and past a cursor', async () => {
    const day = {
      from: new Date(Date.now() - 30 * 86_400_000),
      before: new Date(Date.now() - 29 * 86_400_000),
    };
    for (const filter of [{}, { action: 'Backup' }, { status: 'FAILED' }]) {
      const first = await listLogs(db, { ...day, ...filter, limit: 5 });
      expect(first.items).toHaveLength(5);
      expectIndexOrder(await plansOf((noting) => listLogs(noting, { ...day, ...filter, limit: 100 })));
      expectIndexOrder(
        await plansOf((noting) =>
          listLogs(noting, { ...day, ...filter, limit: 100, cursor: first.nextCursor ?? '' }),
        ),
      );
    }
  });

  it('works on a seeded past: ended backups oldest first, one Backup row each, all counted', async () => {
    const [[order]] = (await db.query(
      `SELECT COUNT(*) AS n FROM backup_job a JOIN backup_job b ON b.seq = a.seq + 1
       WHERE b.created_at < a.created_at`,
    )) as unknown as [[{ n: number }]];
    expect(Number(order.n)).toBe(0);
    const [[logs]] = (await db.query(
      "SELECT COUNT(DISTINCT job_id) AS n FROM log WHERE action = 'Backup'",
    )) as unknown as [[{ n: number }]];
    expect(Number(logs.n)).toBe(JOBS);
    expect((await getStats(db)).backups).toEqual({
      total: JOBS,
      succeeded: JOBS * 0.85,
      failed: JOBS * 0.1,
      queued: 0,
      running: 0,
      cancelled: JOBS * 0.05,
    });
  });

  it('answers the totals from the counters, not from the jobs', async () => {
    const plans = await plansOf((noting) => getStats(noting));
    expectIndexOrder(plans);
    expect(plans.flat().map((step) => step.table)).toEqual(['job_count']);
    expect((await getStats(db)).backups.total).toBe(JOBS);
    const last = await plansOf((noting) => lastBackupSuccess(noting));
    expectIndexOrder(last);
    expect(last.flat().map((step) => step.table)).toEqual(['job_count']);
  });

  it("reads /metrics' folders, oldest success first, and the failures by code, in index order", async () => {
    // The seed gives job i to folder i % 300 and a status by i % 20: folders 17, 18 (mod 20) only
    // ever fail and folder 19 only ever is cancelled, so 285 folders had a backup end, 30 never a success.
    const page = await listFolderBackups(db, 100);
    expect(page.folders).toHaveLength(100);
    expect(page.omitted).toBe(185);
    const never = page.folders.map((row) => row.lastSuccessAt === null);
    expect([never.indexOf(false), never.lastIndexOf(true)]).toEqual([30, 29]);
    expectIndexOrder(await plansOf((noting) => listFolderBackups(noting, 100)));
    expect(await failureCounts(db)).toEqual([{ kind: 'backup', code: 'IO_ERROR', failures: JOBS * 0.1 }]);
    expectIndexOrder(await plansOf((noting) => failureCounts(noting)));
  });

  it('reads GET /folders from the folder summaries in key order, first and past a cursor, not from the jobs', async () => {
    // The seed spreads its jobs over 300 folders, seed/0 … seed/299, listed by the bytes of their names.
    const first = await listFolders(db, { limit: 100 });
    expect(first.items).toHaveLength(100);
    expect(first.items.slice(0, 3).map((item) => item.folder)).toEqual(['seed/0', 'seed/1', 'seed/10']);
    const second = await listFolders(db, { limit: 100, cursor: first.nextCursor ?? '' });
    expect(second.items[0]?.folder).toBe('seed/189');
    for (const query of [{ limit: 100 }, { limit: 100, cursor: first.nextCursor ?? '' }]) {
      const plans = await plansOf((noting) => listFolders(noting, query));
      expectIndexOrder(plans);
      expect(plans.flat().map((step) => step.table)).toEqual(['folder_summary']);
    }
  });

  it("reads a folder's snapshots newest first in index order, first and past a cursor", async () => {
    // Folder 7 has 100 of the seeded jobs (i = 7 + 300k), all succeeded (i % 20 = 7, below 17).
    const first = await listSnapshots(db, { folder: 'seed/7', limit: 50 });
    expect(first.items).toHaveLength(50);
    const rest = await listSnapshots(db, { folder: 'seed/7', limit: 50, cursor: first.nextCursor ?? '' });
    expect([rest.items.length, rest.nextCursor]).toEqual([50, null]);
    for (const cursor of [undefined, first.nextCursor ?? '']) {
      const plans = await plansOf((noting) =>
        listSnapshots(noting, { folder: 'seed/7', limit: 100, cursor }),
      );
      expectIndexOrder(plans);
      expect(plans.flat().map((step) => step.key)).toEqual(['backup_job_folder_snapshots']);
    }
  });

  it('finds one job by its id, and the active jobs, through an index', async () => {
    expectIndexOrder(await plansOf((noting) => getJob(noting, someJobId)));
    // Active jobs are few (queued or running); the reconciler's query reads them by status.
    for (const step of (await plansOf((noting) => listActiveJobs(noting, 60))).flat()) {
      expect(step.type).not.toBe('ALL');
      expect(step.key).toBe('backup_job_status_seq');
    }
  });

  it("reads a prune's packs by key and each pack's blobs through the pack index, in index order", async () => {
    // Two repositories of 20 packs of 500 blobs, so that a scan of either table would cost more.
    const repositories = ['d4'.repeat(32), 'e5'.repeat(32)];
    for (const repository of repositories) {
      const key = Buffer.from(repository, 'hex');
      const packs = Array.from({ length: 20 }, (_, p) => `data/${String(p).padStart(2, '0')}/pack-${p}`);
      await db.query('INSERT INTO repository_pack (repository_id, name, kind, size, created_at) VALUES ?', [
        packs.map((name) => [key, name, 'data', 150_000, new Date()]),
      ]);
      const blobs = packs.flatMap((name, p) =>
        Array.from({ length: 500 }, (_, i) => [
          key,
          createHash('sha256').update(`${repository} ${p} ${i}`).digest(),
          'data',
          name,
          i * 300,
          300,
        ]),
      );
      await db.query(
        'INSERT INTO repository_blob (repository_id, id, kind, pack, byte_offset, byte_length) VALUES ?',
        [blobs],
      );
    }
    await db.query('ANALYZE TABLE repository_pack, repository_blob');
    const catalog = pruneCatalog(db, repositories[0]!);
    const horizon = await catalog.horizon();
    const plans = await plansOf(async (noting) => {
      let blobs = 0;
      for await (const part of pruneCatalog(noting, repositories[0]!).packs(horizon)) {
        blobs += part.reduce((sum, pack) => sum + pack.blobs.length, 0);
      }
      expect(blobs).toBe(20 * 500);
    });
    expectIndexOrder(plans);
    const blobReads = plans.flat().filter((step) => step.table === 'repository_blob');
    expect(blobReads).toHaveLength(20);
    for (const step of blobReads) expect(step.key).toBe('repository_blob_pack');
  });
});
