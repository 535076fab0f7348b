import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { finishJob, insertJob, insertSchedule, listJobs, listSnapshots, startJob } from '../index.js';
import { backupSuccess } from '../testing/backup-success.js';
import { useMigratedDatabase } from '../testing/migrated-database.js';

const fixture = useMigratedDatabase();

async function backedUp(folder: string, snapshot: string): Promise<string> {
  const { job } = await insertJob(fixture.db, { kind: 'backup', folder });
  await startJob(fixture.db, job.id, 'test:1');
  await finishJob(fixture.db, job.id, backupSuccess(snapshot));
  return job.id;
}

// "pad" and "pad " are two folders (a trailing space is a legal name): a comparison that pads
// (MySQL's PAD SPACE collations) would mix their jobs, and `latest` could restore the wrong one.
describe('folders that differ only by trailing spaces', () => {
  it('keep their own snapshots, jobs and schedules apart', async () => {
    const plain = await backedUp('pad', 'pad/1');
    const spaced = await backedUp('pad ', 'pad%20/1');
    const twice = await backedUp('pad  ', 'pad%20%20/1');

    const snapshots = await listSnapshots(fixture.db, { folder: 'pad', limit: 10 });
    expect(snapshots.items.map((s) => s.backupId)).toEqual([plain]);
    const spacedSnapshots = await listSnapshots(fixture.db, { folder: 'pad ', limit: 10 });
    expect(spacedSnapshots.items.map((s) => s.backupId)).toEqual([spaced]);

    const jobs = await listJobs(fixture.db, { folder: 'pad  ', limit: 10 });
    expect(jobs.items.map((j) => j.id)).toEqual([twice]);

    await insertSchedule(fixture.db, { folder: 'pad ', cron: '0 3 * * *' });
    const [rows] = await fixture.db.query<RowDataPacket[]>('SELECT folder FROM schedule WHERE folder = ?', [
      'pad',
    ]);
    expect(rows).toEqual([]);
  });
});

// A query may compare the folder of any table with the folder of any other (an audit, a report,
// a join): with two collations MySQL refuses it ("Illegal mix of collations").
describe('the folder columns', () => {
  it('all compare with one exact collation, so any two of them can be compared', async () => {
    const [columns] = await fixture.db.query<RowDataPacket[]>(
      `SELECT TABLE_NAME AS tableName, COLLATION_NAME AS collation FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'folder' AND COLLATION_NAME IS NOT NULL
        ORDER BY TABLE_NAME`,
    );
    const tables = columns.map((c) => String(c.tableName));
    expect(tables).toEqual([
      'backup_job',
      'folder_backup',
      'folder_lease',
      'folder_policy',
      'schedule',
      'webhook',
    ]);
    const collations = new Set(columns.map((c) => String(c.collation)));
    expect([...collations]).toHaveLength(1);
    expect(['utf8mb4_nopad_bin', 'utf8mb4_0900_bin']).toContain([...collations][0]);
    const [joined] = await fixture.db.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM folder_backup f JOIN backup_job j ON j.folder = f.folder
         JOIN folder_lease l ON l.folder = j.folder JOIN folder_policy p ON p.folder = l.folder
         JOIN schedule s ON s.folder = p.folder JOIN webhook w ON w.folder = s.folder`,
    );
    expect(Number(joined[0]?.n)).toBe(0);
  });
});
