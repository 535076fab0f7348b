import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder, type Stack } from '../stack.js';
import { linesOf, runCli } from './run-cli.js';
import { startTokenStack, type TokenStack } from './token-stack.js';

// `strongbox snapshots` and `latest` of the built CLI against the real stack, which wants a token.
const TOKEN = 'cli-snapshots-token-2b9c';
const ID = '[0-9a-f-]{36}';
const DURATION = '\\d+(\\.\\d)? (ms|s)';

let stack: Stack;
let env: Record<string, string>;
let api: TokenStack['api'];

beforeAll(async () => {
  ({ stack, env, api } = await startTokenStack(TOKEN));
});

afterAll(async () => {
  await stack?.stop();
});

const idOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * Backups written straight into the stack's catalog, with the times and figures the test chooses:
 * `[n, status, finishedAt, files, bytes, prunedAt?]`; ended, so no worker picks them up.
 */
async function insertBackups(
  folder: string,
  rows: [number, 'succeeded' | 'failed', string, number, number, string?][],
): Promise<void> {
  for (const [n, status, finishedAt, files, bytes, prunedAt] of rows) {
    const snapshot = `${folder}/s${n}`;
    const result =
      status === 'succeeded'
        ? JSON.stringify({
            snapshot,
            files,
            bytes,
            copiedFiles: files,
            copiedBytes: bytes,
            linkedFiles: 0,
            skipped: 0,
            warnings: [],
            durationMs: 5,
          })
        : null;
    await stack.db.query(
      `INSERT INTO backup_job (id, kind, folder, status, attempts, created_at, finished_at, result, snapshot,
         error_code, error_message, pruned_at)
       VALUES (?, 'backup', ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
      [
        idOf(n),
        folder,
        status,
        new Date('2026-01-01T00:00:00.000Z'),
        new Date(finishedAt),
        result,
        result ? snapshot : null,
        status === 'failed' ? 'IO_ERROR' : null,
        status === 'failed' ? 'IO_ERROR: test' : null,
        prunedAt ? new Date(prunedAt) : null,
      ],
    );
  }
}

describe('strongbox snapshots', () => {
  beforeAll(async () => {
    await insertBackups('cli/snaps', [
      [1, 'succeeded', '2026-11-20T10:00:00.000Z', 3, 300],
      [2, 'succeeded', '2026-11-22T10:00:00.000Z', 5, 1536],
      [3, 'succeeded', '2026-11-21T10:00:00.000Z', 1200, 5 * 1024 * 1024],
      [4, 'failed', '2026-11-23T10:00:00.000Z', 0, 0],
      [5, 'succeeded', '2026-11-24T10:00:00.000Z', 9, 9, '2026-11-25T10:00:00.000Z'],
    ]);
  });

  it('prints the folder’s snapshots as a table, newest first, without failed or pruned backups (exit 0)', async () => {
    const run = await runCli(['snapshots', 'cli/snaps'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'ID                                    FINISHED                  FILES     SIZE        SNAPSHOT',
        '00000000-0000-4000-8000-000000000002  2026-11-22T10:00:00.000Z  5         1.5 KiB     cli/snaps/s2',
        '00000000-0000-4000-8000-000000000003  2026-11-21T10:00:00.000Z  1200      5.0 MiB     cli/snaps/s3',
        '00000000-0000-4000-8000-000000000001  2026-11-20T10:00:00.000Z  3         300 B       cli/snaps/s1',
        '',
      ].join('\n'),
    );
  });

  it('--limit shows the newest ones only; --json prints the API answer unchanged', async () => {
    const limited = await runCli(['snapshots', 'cli/snaps', '--limit', '1'], env);
    expect(limited.code).toBe(0);
    expect(linesOf(limited.stdout).slice(1)).toEqual([
      '00000000-0000-4000-8000-000000000002  2026-11-22T10:00:00.000Z  5         1.5 KiB     cli/snaps/s2',
    ]);
    const json = await runCli(['--json', 'snapshots', 'cli/snaps'], env);
    expect(json.code).toBe(0);
    expect(linesOf(json.stdout).map((line) => JSON.parse(line))).toEqual([
      {
        items: [
          {
            backupId: idOf(2),
            snapshot: 'cli/snaps/s2',
            finishedAt: '2026-11-22T10:00:00.000Z',
            files: 5,
            bytes: 1536,
          },
          {
            backupId: idOf(3),
            snapshot: 'cli/snaps/s3',
            finishedAt: '2026-11-21T10:00:00.000Z',
            files: 1200,
            bytes: 5242880,
          },
          {
            backupId: idOf(1),
            snapshot: 'cli/snaps/s1',
            finishedAt: '2026-11-20T10:00:00.000Z',
            files: 3,
            bytes: 300,
          },
        ],
        nextCursor: null,
      },
    ]);
  });

  it('says so for a folder that has none (exit 0)', async () => {
    const run = await runCli(['snapshots', 'never/backed/up'], env);
    expect([run.code, run.stdout, run.stderr]).toEqual([0, 'no snapshots of never/backed/up\n', '']);
  });

  it('refuses a folder the rule refuses with exit 2 and the API code and message', async () => {
    const run = await runCli(['snapshots', '../etc'], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'strongbox: 400 INVALID_FOLDER: The folder must not have "." or ".." segments: got "../etc"\n',
    );
  });
});

describe('strongbox verify latest and restore latest', () => {
  // Two real backups of one folder, the second after a change: latest is the second.
  let first: { id: string; result: { snapshot: string } };
  let second: { id: string; result: { snapshot: string } };

  beforeAll(async () => {
    await makeFolder(stack, 'cli/latest', { 'a.txt': 'one' });
    first = (await api('POST', '/backups?wait=60', { folder: 'cli/latest' })).body;
    await makeFolder(stack, 'cli/latest', { 'a.txt': 'two!', 'b.txt': 'new' });
    second = (await api('POST', '/backups?wait=60', { folder: 'cli/latest' })).body;
    expect([first.id === second.id, first.result.snapshot === second.result.snapshot]).toEqual([
      false,
      false,
    ]);
  });

  it('verify latest --folder F --wait verifies F’s newest snapshot and the job records its backup (exit 0)', async () => {
    const run = await runCli(['verify', 'latest', '--folder', 'cli/latest', '--wait'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const last = linesOf(run.stdout).at(-1) ?? '';
    expect(last).toMatch(
      new RegExp(
        `^verify ${ID} cli/latest: succeeded, snapshot ${second.result.snapshot}, 2 files, 7 B, ${DURATION}$`,
      ),
    );
    const id = last.split(' ')[1];
    expect((await api('GET', `/backups/${id}`)).body.params).toEqual({ backupId: second.id });
  });

  it('restore latest --folder F --target T --wait writes F’s newest snapshot (exit 0)', async () => {
    const run = await runCli(
      ['restore', 'latest', '--folder', 'cli/latest', '--target', 'restored/latest', '--wait'],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(linesOf(run.stdout).at(-1)).toMatch(
      new RegExp(
        `^restore ${ID} cli/latest: succeeded, snapshot ${second.result.snapshot} into restored/latest, 2 files, 7 B, ${DURATION}$`,
      ),
    );
    expect(await readFile(path.join(stack.sourceRoot, 'restored/latest/a.txt'), 'utf8')).toBe('two!');
  });

  it('verify latest for a folder with no snapshot exits 2 with the API’s SNAPSHOT_UNAVAILABLE', async () => {
    const run = await runCli(['verify', 'latest', '--folder', 'nothing/here'], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'strongbox: 409 SNAPSHOT_UNAVAILABLE: Folder "nothing/here" has no snapshot: none of its backups succeeded, or retention deleted every snapshot; back it up first (POST /backups)\n',
    );
  });

  it('latest without --folder, or --folder with an id, is a usage error (exit 2) before asking the API', async () => {
    const nowhere = { ...env, STRONGBOX_URL: 'http://127.0.0.1:9' };
    const cases = [
      [
        ['verify', 'latest'],
        'verify latest needs --folder FOLDER: the folder whose newest snapshot to verify',
      ],
      [
        ['restore', 'latest', '--target', 'restored/x'],
        'restore latest needs --folder FOLDER: the folder whose newest snapshot to restore',
      ],
      [
        ['verify', idOf(2), '--folder', 'cli/snaps'],
        '--folder goes with latest: verify latest --folder FOLDER',
      ],
    ] as const;
    for (const [args, message] of cases) {
      const run = await runCli([...args], nowhere);
      expect([run.code, run.stdout, run.stderr], args.join(' ')).toEqual([2, '', `strongbox: ${message}\n`]);
    }
  });
});
