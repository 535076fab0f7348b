import { chmod, mkdir, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, type Stack, startStack, stopChild, waitFor, waitForJob } from './stack.js';
import { describeTree, expectSameTree } from './tree.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ workers: 2 });
});

afterAll(async () => {
  await stack?.stop();
});

async function logRows(jobId: string): Promise<RowDataPacket[]> {
  const [rows] = await stack.db.query<RowDataPacket[]>('SELECT * FROM log WHERE job_id = ? ORDER BY id', [
    jobId,
  ]);
  return rows;
}

describe('a backup of an existing folder', () => {
  it('copies it into an identical snapshot and stores a Backup SUCCESS row', async () => {
    const root = await makeFolder(stack, 'photos/2024', {
      'a.txt': 'alpha',
      'nested/deep/b.bin': 'x'.repeat(100_000),
      'with space/ünïcode.txt': 'names',
    });
    await mkdir(path.join(root, 'empty'));
    await chmod(path.join(root, 'a.txt'), 0o640);
    await utimes(
      path.join(root, 'a.txt'),
      new Date('2020-01-02T03:04:05Z'),
      new Date('2020-01-02T03:04:05Z'),
    );
    await symlink('nested/deep/b.bin', path.join(root, 'link'));

    const posted = await call(stack, 'POST', '/backups', { folder: 'photos/2024' });
    expect(posted.status).toBe(202);
    expect(posted.headers.get('location')).toBe(`/backups/${posted.body.id}`);
    expect(posted.body).toMatchObject({ kind: 'backup', folder: 'photos/2024', status: 'queued' });

    const job = await waitForJob(stack, posted.body.id);
    expect(job.status, stack.output()).toBe('succeeded');
    expect(job.attempts).toBe(1);
    expect(job.worker).toMatch(/^.+:\d+$/);
    expect(job.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(job.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(job.result.snapshot).toMatch(/^photos%2F2024\/\d{8}T\d{6}Z-[0-9a-z]+$/);
    // Three regular files and one symlink; bytes count the regular files' contents.
    expect(job.result).toMatchObject({ files: 4, bytes: 5 + 100_000 + 5, copiedFiles: 3, linkedFiles: 0 });
    expect(job.progress).toEqual({ filesDone: 4, filesTotal: 4, bytesDone: 100_010, bytesTotal: 100_010 });
    expect(job.error).toBeNull();

    const snapshot = path.join(stack.backupFolder, job.result.snapshot);
    await expectSameTree(snapshot, root);

    const rows = await logRows(job.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'Backup', parameter: 'photos/2024', status: 'SUCCESS' });
  });
});

describe('a backup of a missing folder', () => {
  it('fails with No such directory and stores a Backup FAILED row', async () => {
    const posted = await call(stack, 'POST', '/backups', { folder: 'does/not/exist' });
    expect(posted.status).toBe(202);
    const job = await waitForJob(stack, posted.body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toEqual({ code: 'NO_SUCH_DIRECTORY', message: 'No such directory: does/not/exist' });
    expect(job.attempts).toBe(1);
    const rows = await logRows(job.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'Backup', parameter: 'does/not/exist', status: 'FAILED' });
    expect(await describeTree(stack.backupFolder).then((t) => t.filter((l) => l.includes('does')))).toEqual(
      [],
    );
  });

  it('answers ?wait with the status its error maps to', async () => {
    await makeFolder(stack, 'plain', { 'file.txt': 'not a folder' });
    const missing = await call(stack, 'POST', '/backups?wait=30', { folder: 'nowhere' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 'failed', error: { code: 'NO_SUCH_DIRECTORY' } });
    const file = await call(stack, 'POST', '/backups?wait=30', { folder: 'plain/file.txt' });
    expect(file.status).toBe(422);
    expect(file.body).toMatchObject({ status: 'failed', error: { code: 'NOT_A_DIRECTORY' } });
    await makeFolder(stack, 'waited', { 'w.txt': 'w' });
    const ok = await call(stack, 'POST', '/backups?wait=30', { folder: 'waited' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'succeeded', result: { files: 1 } });
  });

  it('refuses a path that escapes the source root through a symlink (422, as a client error)', async () => {
    await symlink(stack.backupFolder, path.join(stack.sourceRoot, 'escape'));
    const escaped = await call(stack, 'POST', '/backups?wait=30', { folder: 'escape' });
    expect(escaped.body).toMatchObject({ status: 'failed', error: { code: 'OUTSIDE_SOURCE_ROOT' } });
    expect(escaped.status).toBe(422);
  });
});

describe('the original form POST /backup/{folder}', () => {
  it('backs up a URL-encoded folder', async () => {
    await makeFolder(stack, 'two words/x', { 'f.txt': 'f' });
    const posted = await call(stack, 'POST', `/backup/${encodeURIComponent('two words/x')}?wait=30`);
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ folder: 'two words/x', status: 'succeeded' });
  });
});

describe('bad input', () => {
  it.each([
    '',
    '/etc',
    '../outside',
    'a/../b',
    './a',
    'a//b',
    'a/',
    'nul\u0000byte',
    'tab\tchar',
    'x'.repeat(1001),
    `ok/${'n'.repeat(256)}`,
    'bad\ud800name',
  ])('refuses folder %j with 400 INVALID_FOLDER and records no job', async (folder) => {
    const before = await call(stack, 'GET', '/stats');
    const refused = await call(stack, 'POST', '/backups', { folder });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'INVALID_FOLDER' });
    const after = await call(stack, 'GET', '/stats');
    expect(after.body.backups.total).toBe(before.body.backups.total);
  });

  it('answers malformed JSON, wrong types, unknown routes and oversized bodies clearly', async () => {
    const malformed = await fetch(`${stack.url}/backups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"folder":',
    });
    expect(malformed.status).toBe(400);
    expect((await call(stack, 'POST', '/backups', { folder: 42 })).status).toBe(400);
    expect((await call(stack, 'GET', '/nope')).status).toBe(404);
    // Just over the 64 KiB limit: the whole body is on the wire before the answer, so the client
    // never writes into a connection the server has answered (a 2 MB body raced that close).
    const big = await call(stack, 'POST', '/backups', { folder: 'a', pad: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('logs and stats', () => {
  it('returns every row without criteria and records a Get Log row', async () => {
    // Rows keep coming while the test runs (the audit rows of earlier reads are written in batches,
    // jobs of earlier tests end): every row there before the request must be answered, once, and
    // nothing that is not in the table.
    const [[{ lastId: before }]] = (await stack.db.query(
      'SELECT COALESCE(MAX(id), 0) AS lastId FROM log',
    )) as unknown as [[{ lastId: number }]];
    const logs = await call(stack, 'GET', '/logs?limit=1000');
    expect(logs.status).toBe(200);
    const answered: number[] = logs.body.items.map((item: { id: number }) => item.id);
    const [existing] = await stack.db.query<RowDataPacket[]>('SELECT id FROM log WHERE id <= ? ORDER BY id', [
      before,
    ]);
    expect(existing.length).toBeGreaterThan(0);
    expect(answered.filter((id) => id <= before).sort((a, b) => a - b)).toEqual(
      existing.map((row) => row.id),
    );
    expect(new Set(answered).size).toBe(answered.length);
    const [inTable] = await stack.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM log WHERE id IN (?)', [
      answered,
    ]);
    expect(Number(inTable[0]?.n)).toBe(answered.length);
    expect(logs.body.items[0]).toEqual(
      expect.objectContaining({
        id: expect.any(Number),
        date: expect.any(String),
        action: expect.any(String),
      }),
    );
    // The API writes the rows of reads in batches, within AUDIT_FLUSH_MS (50 ms) of the request.
    await expect
      .poll(async () => {
        const [rows] = await stack.db.query<RowDataPacket[]>(
          "SELECT * FROM log WHERE action = 'Get Log' ORDER BY id DESC",
        );
        return rows[0];
      })
      .toMatchObject({ action: 'Get Log', status: 'SUCCESS' });
  });

  it('returns the rows within an inclusive date range', async () => {
    const insert = 'INSERT INTO log (date, action, parameter, status) VALUES (?, ?, ?, ?)';
    await stack.db.query(insert, ['2001-03-01 00:00:00', 'Backup', 'range/a', 'SUCCESS']);
    await stack.db.query(insert, ['2001-03-02 23:59:59', 'Backup', 'range/b', 'FAILED']);
    await stack.db.query(insert, ['2001-03-03 00:00:00', 'Backup', 'range/c', 'SUCCESS']);
    await stack.db.query(insert, ['2001-02-28 23:59:59', 'Backup', 'range/d', 'SUCCESS']);
    const logs = await call(stack, 'GET', '/log?start=2001-03-01&end=2001-03-02');
    expect(logs.status).toBe(200);
    expect(logs.body.items.map((row: { parameter: string }) => row.parameter)).toEqual([
      'range/a',
      'range/b',
    ]);
    expect((await call(stack, 'GET', '/logs?from=2001-03-02&to=2001-03-01')).status).toBe(400);
    expect((await call(stack, 'GET', '/logs?from=2001-13-45')).status).toBe(400);
  });

  it('counts backups, successes and failures and records a Get Stats row', async () => {
    const stats = await call(stack, 'GET', '/stat');
    expect(stats.status).toBe(200);
    const [[counts]] = (await stack.db.query(
      `SELECT COUNT(*) AS total, SUM(status = 'succeeded') AS ok, SUM(status = 'failed') AS bad
       FROM backup_job WHERE kind = 'backup'`,
    )) as unknown as [[{ total: number; ok: number; bad: number }]];
    expect(stats.body.backups).toMatchObject({
      total: Number(counts.total),
      succeeded: Number(counts.ok),
      failed: Number(counts.bad),
    });
    expect(stats.body.backups.succeeded).toBeGreaterThan(0);
    expect(stats.body.backups.failed).toBeGreaterThan(0);
    expect(stats.body.bytesCopied).toBeGreaterThan(0);
    await expect
      .poll(async () => {
        const [rows] = await stack.db.query<RowDataPacket[]>("SELECT * FROM log WHERE action = 'Get Stats'");
        return rows.length;
      })
      .toBeGreaterThan(0);
  });
});

describe('two workers', () => {
  it('share a burst of 50 jobs, each ending once with one Backup row', async () => {
    for (let i = 0; i < 50; i++) await makeFolder(stack, `burst/${i}`, { [`f${i}.txt`]: `content ${i}` });
    const posted = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(stack, 'POST', '/backups', { folder: `burst/${i}` })),
    );
    expect(posted.every((p) => p.status === 202)).toBe(true);
    const jobs = await Promise.all(posted.map((p) => waitForJob(stack, p.body.id)));
    expect(jobs.every((job) => job.status === 'succeeded' && job.attempts === 1)).toBe(true);
    expect(new Set(jobs.map((job) => job.worker)).size).toBe(2);
    const [rows] = await stack.db.query<RowDataPacket[]>(
      "SELECT job_id, COUNT(*) AS n FROM log WHERE action = 'Backup' AND parameter LIKE 'burst/%' GROUP BY job_id",
    );
    expect(rows).toHaveLength(50);
    expect(rows.every((row) => Number(row.n) === 1)).toBe(true);
  });
});

describe('nothing the API accepted is lost', () => {
  it('runs jobs accepted while no worker ran, even after Redis lost them', async () => {
    await Promise.all(stack.workers.map((worker) => stopChild(worker)));
    await makeFolder(stack, 'later', { 'l.txt': 'later' });
    const waited = await call(stack, 'POST', '/backups?wait=1', { folder: 'later' });
    expect(waited.status).toBe(202);
    expect(waited.body.status).toBe('queued');
    // Redis forgets everything under this deployment's prefix.
    const { cleanupRedisPrefix } = await import('@strongbox/services/testing');
    await cleanupRedisPrefix(stack.env.REDIS_URL as string, stack.env.QUEUE_PREFIX as string);
    await waitFor(
      async () => {
        const [[row]] = (await stack.db.query(
          'SELECT created_at < UTC_TIMESTAMP(3) - INTERVAL 6 SECOND AS old FROM backup_job WHERE id = ?',
          [waited.body.id],
        )) as unknown as [[{ old: number }]];
        return Number(row.old) === 1;
      },
      20_000,
      () => 'the job never got old enough for the reconciler',
    );
    await stack.addWorker();
    const job = await waitForJob(stack, waited.body.id);
    expect(job.status).toBe('succeeded');
  });
});
