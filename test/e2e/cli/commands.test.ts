import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@strongbox/services';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder, type Stack } from '../stack.js';
import { linesOf, runCli, startCli, waitForOutput } from './run-cli.js';
import { startTokenStack, type TokenStack } from './token-stack.js';

// Every command of the built CLI against the real stack, which here wants a token.
const TOKEN = 'cli-e2e-token-7f3a';
const ID = '[0-9a-f-]{36}';
const DURATION = '\\d+(\\.\\d)? (ms|s)';
const exec = promisify(execFile);

let stack: Stack;
let env: Record<string, string>;
let api: TokenStack['api'];

beforeAll(async () => {
  ({ stack, env, api } = await startTokenStack(TOKEN));
});

afterAll(async () => {
  await stack?.stop();
});

async function succeededBackup(folder: string, files: Record<string, string>) {
  await makeFolder(stack, folder, files);
  const posted = await api('POST', '/backups?wait=60', { folder });
  expect(posted.status, JSON.stringify(posted.body)).toBe(200);
  return posted.body;
}

describe('strongbox backup', () => {
  it('queues a backup and prints its line at once without --wait (exit 0)', async () => {
    await makeFolder(stack, 'nowait', { 'a.txt': 'a' });
    const run = await runCli(['backup', 'nowait'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [, id] = run.stdout.match(new RegExp(`^backup (${ID}) nowait: queued\\n$`)) ?? [];
    expect(id, run.stdout).toBeDefined();
    expect((await api('GET', `/backups/${id}`)).body).toMatchObject({ id, folder: 'nowait', kind: 'backup' });
  });

  it('--wait off a terminal: one plain line per state change, no escape codes, then the summary (exit 0)', async () => {
    await makeFolder(stack, 'docs', { 'a.txt': 'alpha', 'sub/b.txt': 'beta!' });
    const run = await runCli(['backup', 'docs', '--wait'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\u001b');
    const lines = linesOf(run.stdout);
    const id = lines[0]?.match(new RegExp(`^backup (${ID}) docs: queued$`))?.[1];
    expect(id, run.stdout).toBeDefined();
    const job = (await api('GET', `/backups/${id}`)).body;
    expect(job.status).toBe('succeeded');
    expect(lines.at(-1)).toBe(
      `backup ${id} docs: succeeded, snapshot ${job.result.snapshot}, 2 files, 10 B, 0 linked, ${lines.at(-1)!.split(', ').at(-1)}`,
    );
    expect(lines.at(-1)).toMatch(new RegExp(`, 0 linked, ${DURATION}$`));
    // Between them at most the running line: each state once, in order.
    const states = lines.map((line) => line.match(new RegExp(`^backup ${id} docs: (\\w+)`))?.[1]);
    expect(states).toEqual(lines.length === 3 ? ['queued', 'running', 'succeeded'] : ['queued', 'succeeded']);
  });

  it('a second backup of the same folder reports its linked files', async () => {
    await makeFolder(stack, 'twice', { 'a.txt': 'a', 'b.txt': 'b' });
    expect((await runCli(['backup', 'twice', '--wait'], env)).code).toBe(0);
    const run = await runCli(['backup', 'twice', '--wait'], env);
    expect(run.code).toBe(0);
    expect(linesOf(run.stdout).at(-1)).toMatch(
      new RegExp(`^backup ${ID} twice: succeeded, snapshot twice/\\S+, 2 files, 2 B, 2 linked, ${DURATION}$`),
    );
  });

  it('--wait on a backup that fails exits 1 with its error code and message on stderr', async () => {
    const run = await runCli(['backup', 'missing/folder', '--wait'], env);
    expect(run.code).toBe(1);
    const id = run.stdout.match(new RegExp(`^backup (${ID}) missing/folder: queued`))?.[1];
    expect(run.stderr).toBe(
      `strongbox: backup ${id} missing/folder: failed, NO_SUCH_DIRECTORY: No such directory: missing/folder\n`,
    );
    expect(run.stdout).not.toContain('failed');
  });

  it('--json --wait prints the API answers unchanged, one per line, for a parser', async () => {
    await makeFolder(stack, 'json', { 'j.txt': 'json' });
    const run = await runCli(['--json', 'backup', 'json', '--wait'], env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const answers = linesOf(run.stdout).map((line) => JSON.parse(line));
    expect(answers[0]).toMatchObject({ kind: 'backup', folder: 'json', status: 'queued', result: null });
    expect(answers.map((answer) => answer.status)).toEqual(
      answers.length === 3 ? ['queued', 'running', 'succeeded'] : ['queued', 'succeeded'],
    );
    expect(answers.at(-1)).toEqual((await api('GET', `/backups/${answers[0].id}`)).body);
  });

  it('--wait on a backup that skipped entries exits 6: the skipped count in the summary, the warnings on stderr', async () => {
    await makeFolder(stack, 'with-pipe', { 'kept.txt': 'kept' });
    await exec('mkfifo', [path.join(stack.sourceRoot, 'with-pipe', 'pipe')]);
    const waited = await runCli(['backup', 'with-pipe', '--wait'], env);
    expect(waited.code, waited.stderr).toBe(6);
    const id = linesOf(waited.stdout)[0]?.match(new RegExp(`^backup (${ID}) with-pipe: queued$`))?.[1];
    const job = (await api('GET', `/backups/${id}`)).body;
    expect(job).toMatchObject({ status: 'succeeded', result: { files: 1, skipped: 1 } });
    expect(job.result.warnings).toEqual(['skipped special file (fifo): pipe']);
    expect(linesOf(waited.stdout).at(-1)).toBe(
      `backup ${id} with-pipe: succeeded, snapshot ${job.result.snapshot}, 1 file, 4 B, 0 linked, 1 skipped, ${linesOf(waited.stdout).at(-1)?.split(', ').at(-1)}`,
    );
    expect(waited.stderr).toBe(
      `strongbox: backup ${id} with-pipe succeeded with warnings: 1 entry skipped: skipped special file (fifo): pipe\n`,
    );

    // The same outcome whenever the job is shown: status, and --json for a script.
    const status = await runCli(['status', id!], env);
    expect([status.code, status.stderr]).toEqual([6, waited.stderr]);
    const json = await runCli(['--json', 'status', id!], env);
    expect(json.code).toBe(6);
    expect(JSON.parse(json.stdout)).toEqual(job);
  });

  it('refuses a bad folder with exit 2 and the API code and message, and queues nothing', async () => {
    const run = await runCli(['backup', '../etc'], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'strongbox: 400 INVALID_FOLDER: The folder must not have "." or ".." segments: got "../etc"\n',
    );
    expect((await api('GET', '/backups?folder=../etc')).body.items).toEqual([]);
  });
});

describe('strongbox status', () => {
  it('prints a job that succeeded, and the API answer unchanged with --json (exit 0)', async () => {
    const job = await succeededBackup('status-ok', { 's.txt': 'status' });
    const run = await runCli(['status', job.id], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^backup ${job.id} status-ok: succeeded, snapshot ${job.result.snapshot}, 1 file, 6 B, 0 linked, ${DURATION}\n$`,
      ),
    );
    const json = await runCli(['status', job.id, '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual((await api('GET', `/backups/${job.id}`)).body);
  });

  it('--wait on a job that has ended answers at once', async () => {
    const job = await succeededBackup('status-wait', { 'w.txt': 'w' });
    const run = await runCli(['status', job.id, '--wait', '--timeout', '30'], env);
    expect(run.code).toBe(0);
    expect(linesOf(run.stdout)).toEqual([
      expect.stringMatching(new RegExp(`^backup ${job.id} status-wait: succeeded, `)),
    ]);
  });

  it('exits 1 for a job that failed, with its error on stderr', async () => {
    const failed = await api('POST', '/backups?wait=60', { folder: 'status/missing' });
    const run = await runCli(['status', failed.body.id], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `strongbox: backup ${failed.body.id} status/missing: failed, NO_SUCH_DIRECTORY: No such directory: status/missing\n`,
    );
  });

  it('exits 2 for an unknown id, with the API 404', async () => {
    // An id no test of this file records (the paged list's rows have ids of their own).
    const unknown = randomUUID();
    const run = await runCli(['status', unknown], env);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toBe(`strongbox: 404 NOT_FOUND: There is no job with id "${unknown}"\n`);
  });
});

describe('strongbox list', () => {
  it('lists the newest jobs of a folder as a table, up to --limit', async () => {
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push(await succeededBackup('listed', { 'l.txt': `list ${i}` }));
    const run = await runCli(['list', '--folder', 'listed', '--limit', '2'], env);
    expect(run.code).toBe(0);
    const lines = linesOf(run.stdout);
    expect(lines[0]).toBe(
      `ID${' '.repeat(36)}KIND     STATUS     CREATED${' '.repeat(19)}FOLDER${' '.repeat(16)}OUTCOME`,
    );
    expect(lines.slice(1)).toEqual(
      [jobs[2], jobs[1]].map(
        (job) =>
          `${job.id}  backup   succeeded  ${job.createdAt}  listed                ${job.result.snapshot}`,
      ),
    );
  });

  it('filters by kind and status, and prints each page answer with --json', async () => {
    await api('POST', '/backups?wait=60', { folder: 'list/missing' });
    const run = await runCli(
      ['list', '--kind', 'backup', '--status', 'failed', '--folder', 'list/missing', '--json'],
      env,
    );
    expect(run.code).toBe(0);
    const pages = linesOf(run.stdout).map((line) => JSON.parse(line));
    expect(pages).toEqual([
      (await api('GET', '/backups?kind=backup&status=failed&folder=list%2Fmissing&limit=20')).body,
    ]);
    expect(pages[0].items).toHaveLength(1);
    expect(pages[0].items[0]).toMatchObject({ folder: 'list/missing', status: 'failed' });
  });

  it('follows the pages of the API up to --limit', async () => {
    // 1,005 ended jobs of one folder, written straight into the stack's database: more than the
    // API gives in one page (1,000), and none that a worker would pick up.
    const rows = Array.from({ length: 1005 }, (_, i) => [
      `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
      'backup',
      'paged/list',
      'failed',
      'IO_ERROR',
      `row ${i}`,
    ]);
    await stack.db.query(
      'INSERT INTO backup_job (id, kind, folder, status, error_code, error_message, created_at) VALUES ?',
      [rows.map((row) => [...row, new Date('2001-02-03T04:05:06Z')])],
    );
    const json = await runCli(['list', '--folder', 'paged/list', '--limit', '1003', '--json'], env);
    expect(json.code).toBe(0);
    const pages = linesOf(json.stdout).map((line) => JSON.parse(line));
    expect(pages.map((page) => page.items.length)).toEqual([1000, 3]);
    // Newest first: the rows inserted last come first.
    expect(pages.flatMap((page) => page.items.map((job: { id: string }) => job.id))).toEqual(
      rows
        .map((row) => row[0])
        .reverse()
        .slice(0, 1003),
    );

    const text = await runCli(['list', '--folder', 'paged/list', '--limit', '1003'], env);
    expect(text.code).toBe(0);
    const lines = linesOf(text.stdout);
    expect(lines).toHaveLength(1 + 1003);
    expect(lines[1]).toBe(
      `00000000-0000-4000-9000-000000001004  backup   failed     2001-02-03T04:05:06.000Z  paged/list            IO_ERROR`,
    );
  });

  it('says so when no job matches', async () => {
    const run = await runCli(['list', '--folder', 'never/backed/up'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('no jobs\n');
  });

  it('refuses a status that does not exist with exit 2, before asking the API', async () => {
    const run = await runCli(['list', '--status', 'done'], { ...env, STRONGBOX_URL: 'http://127.0.0.1:9' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "error: option '--status <status>' argument 'done' is invalid. Allowed choices are queued, running, succeeded, failed, cancelled.",
    );
  });
});

describe('strongbox verify and restore', () => {
  it('verify --wait passes on an intact snapshot (exit 0)', async () => {
    const job = await succeededBackup('checked', { 'c.txt': 'check', 'd.txt': 'me' });
    const run = await runCli(['verify', job.id, '--wait'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(linesOf(run.stdout).at(-1)).toMatch(
      new RegExp(
        `^verify ${ID} checked: succeeded, snapshot ${job.result.snapshot}, 2 files, 7 B, ${DURATION}$`,
      ),
    );
  });

  it('verify --wait exits 1 with SNAPSHOT_CORRUPT when a byte of the snapshot changed', async () => {
    const job = await succeededBackup('corrupted', { 'bad.txt': 'original' });
    await writeFile(path.join(stack.backupFolder, job.result.snapshot, 'bad.txt'), 'Original');
    const run = await runCli(['verify', job.id, '--wait'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`^strongbox: verify ${ID} corrupted: failed, SNAPSHOT_CORRUPT: .*bad\\.txt`),
    );
  });

  it('restore --wait writes the snapshot into a new folder (exit 0), and one --path of it', async () => {
    const job = await succeededBackup('to-restore', { 'top.txt': 'top', 'sub/inner.txt': 'inner' });
    const run = await runCli(['restore', job.id, '--target', 'restored/all', '--wait'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(linesOf(run.stdout).at(-1)).toMatch(
      new RegExp(
        `^restore ${ID} to-restore: succeeded, snapshot ${job.result.snapshot} into restored/all, 2 files, 8 B, ${DURATION}$`,
      ),
    );
    expect(await readFile(path.join(stack.sourceRoot, 'restored/all/sub/inner.txt'), 'utf8')).toBe('inner');

    const part = await runCli(
      ['restore', job.id, '--target', 'restored/part', '--path', 'sub', '--wait'],
      env,
    );
    expect(part.code).toBe(0);
    expect(linesOf(part.stdout).at(-1)).toMatch(
      new RegExp(
        `: succeeded, path sub of snapshot ${job.result.snapshot} into restored/part, 1 file, 5 B, `,
      ),
    );
    expect(await readFile(path.join(stack.sourceRoot, 'restored/part/inner.txt'), 'utf8')).toBe('inner');
  });

  it('restore --wait into a folder that exists exits 1: the job fails with TARGET_EXISTS', async () => {
    const job = await succeededBackup('restore-twice', { 'r.txt': 'r' });
    await makeFolder(stack, 'already/here', { 'x.txt': 'x' });
    const run = await runCli(['restore', job.id, '--target', 'already/here', '--wait'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^strongbox: restore ${ID} restore-twice: failed, TARGET_EXISTS: Target already exists: already/here\\n$`,
      ),
    );
    expect(await readFile(path.join(stack.sourceRoot, 'already/here/x.txt'), 'utf8')).toBe('x');
  });

  it('restore without --target is a usage error (exit 2)', async () => {
    const run = await runCli(['restore', '00000000-0000-4000-8000-000000000000'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error: required option '--target <folder>' not specified");
  });
});

describe('strongbox prune and check on the local tree', () => {
  it.each([
    ['prune', ['prune', '--wait'], 'there is nothing to prune'],
    ['check', ['check', '--read-data', '--wait'], 'it has no object repository to check'],
  ])(
    '%s exits 2 with the API 409 NOT_OBJECT_REPOSITORY, and no job is recorded',
    async (kind, args, what) => {
      const [before] = await stack.db.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM backup_job WHERE kind = ?',
        [kind],
      );
      const run = await runCli(args, env);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `strongbox: 409 NOT_OBJECT_REPOSITORY: This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): ${what}\n`,
      );
      const [after] = await stack.db.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM backup_job WHERE kind = ?',
        [kind],
      );
      expect(Number(after[0]?.n)).toBe(Number(before[0]?.n));
    },
  );
});

describe('strongbox logs', () => {
  // 2,500 rows on a day of their own: three pages of the API (1,000 at most each).
  const DAY = '2001-02-03';
  const ROWS = 2500;

  beforeAll(async () => {
    for (let start = 0; start < ROWS; start += 500) {
      const values = Array.from({ length: 500 }, (_, i) => [
        `${DAY} 10:00:00`,
        'Backup',
        `paged-${String(start + i).padStart(4, '0')}`,
        (start + i) % 10 === 0 ? 'FAILED' : 'SUCCESS',
      ]);
      await stack.db.query('INSERT INTO log (date, action, parameter, status) VALUES ?', [values]);
    }
  });

  it('follows the cursors to the end: every row of the range, oldest first', async () => {
    const run = await runCli(['logs', '--from', DAY, '--to', DAY], env);
    expect(run.code).toBe(0);
    const lines = linesOf(run.stdout);
    expect(lines[0]).toBe('DATE                      ACTION     STATUS   PARAMETER                 MESSAGE');
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines[1]).toBe('2001-02-03T10:00:00.000Z  Backup     FAILED   paged-0000');
    expect(lines[ROWS]).toBe('2001-02-03T10:00:00.000Z  Backup     SUCCESS  paged-2499');
    expect(lines.slice(1).map((line) => line.split(/\s+/)[3])).toEqual(
      Array.from({ length: ROWS }, (_, i) => `paged-${String(i).padStart(4, '0')}`),
    );
  });

  it('stops quietly, exit 0, when its reader goes away (| head -n 1) while pages remain', async () => {
    const cli = startCli(['logs', '--from', DAY, '--to', DAY], env);
    // Read the first line, then close the pipe, as `head -n 1` does; later pages meet a closed pipe.
    await waitForOutput(cli, /\n/);
    cli.child.stdout?.destroy();
    const run = await cli.exited;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('--json prints each page answer on a line, the last without a cursor', async () => {
    const run = await runCli(
      ['logs', '--from', DAY, '--to', DAY, '--status', 'FAILED', '--action', 'Backup', '--json'],
      env,
    );
    expect(run.code).toBe(0);
    const pages = linesOf(run.stdout).map((line) => JSON.parse(line));
    expect(pages).toHaveLength(1);
    expect(pages[0].nextCursor).toBeNull();
    expect(pages[0].items).toHaveLength(ROWS / 10);
    expect(pages[0].items.every((row: { status: string }) => row.status === 'FAILED')).toBe(true);

    const all = await runCli(['logs', '--from', DAY, '--to', DAY, '--json'], env);
    const allPages = linesOf(all.stdout).map((line) => JSON.parse(line));
    expect(allPages.map((page) => page.items.length)).toEqual([1000, 1000, 500]);
    expect(allPages.map((page) => page.nextCursor === null)).toEqual([false, false, true]);
  });

  it('exits 2 with INVALID_DATE_RANGE for from after to', async () => {
    const run = await runCli(['logs', '--from', '2026-11-22', '--to', '2026-11-21'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'strongbox: 400 INVALID_DATE_RANGE: from (2026-11-22) is after to (2026-11-21): swap them\n',
    );
  });
});

describe('strongbox stats', () => {
  it('prints the totals the API gives, as text and unchanged with --json', async () => {
    await succeededBackup('counted', { 'n.txt': 'n' });
    const json = await runCli(['stats', '--json'], env);
    expect(json.code).toBe(0);
    const stats = (await api('GET', '/stats')).body;
    expect(JSON.parse(json.stdout)).toEqual(stats);

    const run = await runCli(['stats'], env);
    expect(run.code).toBe(0);
    const { total, succeeded, failed, queued, running, cancelled } = stats.backups;
    expect(stats.bytesCopied, 'this file copies less than a KiB in all').toBeLessThan(1024);
    expect(linesOf(run.stdout)).toEqual([
      `backups       ${total}: ${succeeded} succeeded, ${failed} failed, ${queued} queued, ${running} running, ${cancelled} cancelled`,
      `copied        ${stats.filesCopied} files, ${stats.bytesCopied} B`,
      `last success  ${stats.lastSuccessAt}`,
    ]);
  });
});

describe('authentication', () => {
  it('exits 4 without a token, saying how to give one', async () => {
    const run = await runCli(['stats'], { STRONGBOX_URL: stack.url });
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(
      'strongbox: 401 UNAUTHORIZED: This server needs a token: send Authorization: Bearer <token> (set STRONGBOX_TOKEN or pass --token)\n',
    );
  });

  it('exits 4 with a wrong token, and never prints it', async () => {
    const run = await runCli(['stats'], { STRONGBOX_URL: stack.url, STRONGBOX_TOKEN: 'wrong-secret-token' });
    expect(run.code).toBe(4);
    expect(run.stderr).toBe(
      'strongbox: 401 UNAUTHORIZED: The token is not one this server accepts: check API_TOKENS (check the token in STRONGBOX_TOKEN or --token)\n',
    );
    expect(run.stdout + run.stderr).not.toContain('wrong-secret-token');
  });

  it('takes the token and the URL from --token and --url as well', async () => {
    const run = await runCli(['stats', '--url', stack.url, '--token', TOKEN]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^backups {7}\d+: /);
  });
});

describe('an API that cannot answer', () => {
  it('exits 3 when nothing listens at the URL', async () => {
    const port = await freePort();
    const run = await runCli(['stats'], { STRONGBOX_URL: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `strongbox: could not reach the API at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
  });

  it('exits 3 when the API answers 5xx', async () => {
    // The API's own database loses the jobs table for a moment: listing jobs fails, it answers 500.
    await stack.db.query('RENAME TABLE backup_job TO backup_job_away');
    try {
      const run = await runCli(['list'], env);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /^strongbox: the API answered 500 INTERNAL: The server could not complete the request; its log has the details under request id \S+\n$/,
      );
    } finally {
      await stack.db.query('RENAME TABLE backup_job_away TO backup_job');
    }
  });
});

describe('usage', () => {
  const COMMANDS = [
    'backup',
    'status',
    'list',
    'cancel',
    'verify',
    'restore',
    'prune',
    'check',
    'logs',
    'stats',
    'schedules',
  ];

  it('--help lists every command and the exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    for (const code of ['0', '1', '2', '3', '4', '5', '6', '130'])
      expect(run.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    expect(run.stdout).toContain('STRONGBOX_URL');
    expect(run.stdout).toContain('STRONGBOX_TOKEN');
  });

  it('schedules --help lists its subcommands, pause and resume among them', async () => {
    const run = await runCli(['schedules', '--help']);
    expect(run.code).toBe(0);
    for (const command of ['list', 'add', 'remove', 'pause', 'resume']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    const text = run.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('pause <id> pause a schedule: it starts no backups until it is resumed');
    expect(text).toContain('resume <id> resume a paused schedule: it fires again at its next time');
  });

  it.each([
    ...COMMANDS,
    'schedules list',
    'schedules add',
    'schedules remove',
    'schedules pause',
    'schedules resume',
  ])('%s --help shows its usage and examples', async (command) => {
    const run = await runCli([...command.split(' '), '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: strongbox ${command} `);
    expect(run.stdout).toMatch(new RegExp(`Examples:\\n  \\$ strongbox ${command}`));
  });

  it.each([
    [[], 'Usage: strongbox [options] [command]'],
    [['frobnicate'], "error: unknown command 'frobnicate'"],
    [['backup'], "error: missing required argument 'folder'"],
    [['schedules'], 'Usage: strongbox schedules [options] [command]'],
    [['schedules', 'frobnicate'], "error: unknown command 'frobnicate'"],
    [['schedules', 'add', 'photos'], "error: required option '--cron <expr>' not specified"],
    [['schedules', 'remove'], "error: missing required argument 'id'"],
    [
      ['list', '--limit', '0'],
      "error: option '--limit <n>' argument '0' is invalid. must be a whole number above 0",
    ],
    [
      ['backup', 'x', '--wait', '--timeout', 'soon'],
      "error: option '--timeout <seconds>' argument 'soon' is invalid.",
    ],
    [['backup', 'x', '--timeout', '5'], 'strongbox: --timeout goes with --wait\n'],
    [
      ['--request-timeout', '0', 'stats'],
      "error: option '--request-timeout <seconds>' argument '0' is invalid. must be a number of seconds above 0",
    ],
    [
      ['--url', 'ftp://host', 'stats'],
      'strongbox: --url (or STRONGBOX_URL) must be an http:// or https:// URL: got "ftp://host"\n',
    ],
    [
      ['--url', 'not a url', 'stats'],
      'strongbox: --url (or STRONGBOX_URL) must be a URL such as http://127.0.0.1:3000: got "not a url"\n',
    ],
  ])('%j exits 2 with a message on stderr and sends nothing', async (args, message) => {
    // Nothing listens at port 9: a request sent would end in exit 3, not 2.
    const run = await runCli(args, { STRONGBOX_URL: 'http://127.0.0.1:9' });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });
});
