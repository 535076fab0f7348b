import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder, type Stack } from '../stack.js';
import { linesOf, runCli } from './run-cli.js';
import { startTokenStack, type TokenStack } from './token-stack.js';

// `strongbox folders`, `folder` and `policy` of the built CLI against the real stack, which wants a token.
const TOKEN = 'cli-folders-token-7d1e';

let stack: Stack;
let env: Record<string, string>;
let api: TokenStack['api'];
let backup: { id: string; finishedAt: string; result: { snapshot: string } };
let scheduleId: string;

beforeAll(async () => {
  ({ stack, env, api } = await startTokenStack(TOKEN));
  await makeFolder(stack, 'cli/docs', { 'a.txt': 'hello', 'sub/b.txt': 'hello, world' });
  backup = (await api('POST', '/backups?wait=60', { folder: 'cli/docs' })).body;
  scheduleId = (await api('POST', '/schedules', { folder: 'cli/mail', cron: '0 3 * * *' })).body.id;
});

afterAll(async () => {
  await stack?.stop();
});

const EMPTY = { exclude: [], excludeIfPresent: [], maxFileSize: null, retention: null };

describe('strongbox folders and strongbox folder', () => {
  it('prints the folders as a table by name, with the last backup, snapshots and sizes (exit 0)', async () => {
    const run = await runCli(['folders'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'FOLDER                    LAST BACKUP                         LAST SUCCESS              SNAPSHOTS  SIZE        ADDED',
        `cli/docs                  succeeded ${backup.finishedAt}  ${backup.finishedAt}  1          17 B        17 B`,
        'cli/mail                  never                               never                     0          -           -',
        '',
      ].join('\n'),
    );
  });

  it('--json prints the API answer unchanged; --limit shows the first ones only', async () => {
    const json = await runCli(['--json', 'folders'], env);
    expect(json.code).toBe(0);
    expect(linesOf(json.stdout).map((line) => JSON.parse(line))).toEqual([
      (await api('GET', '/folders')).body,
    ]);
    const limited = await runCli(['folders', '--limit', '1'], env);
    expect(
      linesOf(limited.stdout)
        .slice(1)
        .map((line) => line.split(' ')[0]),
    ).toEqual(['cli/docs']);
  });

  it('shows one folder with its last backup, snapshots, policy and schedules', async () => {
    const run = await runCli(['folder', 'cli/docs'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'folder        cli/docs',
        `last backup   succeeded at ${backup.finishedAt}, added 17 B (${backup.id})`,
        `last success  ${backup.finishedAt}`,
        `snapshots     1, the newest 17 B in 2 files at ${backup.finishedAt}`,
        'policy        none (retention: the deployment default)',
        'schedules     none',
        '',
      ].join('\n'),
    );
    const json = await runCli(['--json', 'folder', 'cli/mail'], env);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body).toEqual((await api('GET', '/folders/cli%2Fmail')).body);
    expect(body.schedules.map((schedule: { id: string }) => schedule.id)).toEqual([scheduleId]);
    expect(body.policy).toEqual(EMPTY);
  });

  it('answers a folder it does not know with exit 2 and UNKNOWN_FOLDER', async () => {
    const run = await runCli(['folder', 'cli/nothing'], env);
    expect([run.code, run.stdout, run.stderr]).toEqual([
      2,
      '',
      'strongbox: 404 UNKNOWN_FOLDER: There is no folder "cli/nothing" here: it has no job, no schedule and no policy (folders are listed by GET /folders)\n',
    ]);
  });
});

describe('strongbox policy', () => {
  it('shows the empty policy of a folder that has none', async () => {
    const run = await runCli(['policy', 'cli/docs'], env);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toBe(
      [
        'exclude       nothing',
        'exclude if    no marker',
        'max file size no limit',
        'retention     the deployment default',
        '',
      ].join('\n'),
    );
  });

  it('changes the parts given and keeps the others, as a merge patch', async () => {
    const set = await runCli(
      [
        'policy',
        'cli/docs',
        '--exclude',
        '*.tmp',
        '--exclude',
        'cache/',
        '--exclude-if-present',
        '.nobackup',
        '--max-file-size',
        '10MiB',
        '--keep-daily',
        '7',
        '--keep-weekly',
        '4',
      ],
      env,
    );
    expect([set.code, set.stderr]).toEqual([0, '']);
    expect(set.stdout).toBe(
      [
        'exclude       "*.tmp" "cache/"',
        'exclude if    a directory holds .nobackup',
        'max file size 10.0 MiB (10485760 bytes)',
        'retention     daily 7, weekly 4',
        '',
      ].join('\n'),
    );
    const more = await runCli(['--json', 'policy', 'cli/docs', '--keep-last', '3', '--clear-exclude'], env);
    expect(more.code).toBe(0);
    const expected = {
      exclude: [],
      excludeIfPresent: ['.nobackup'],
      maxFileSize: 10485760,
      retention: { keepLast: 3, keepDaily: 7, keepWeekly: 4 },
    };
    expect(JSON.parse(more.stdout)).toEqual(expected);
    expect((await api('GET', '/folders/cli%2Fdocs/policy')).body).toEqual(expected);
    const listed = await runCli(['--json', 'folders'], env);
    expect(JSON.parse(listed.stdout).items[0]).toMatchObject({ folder: 'cli/docs', hasPolicy: true });
  });

  it('refuses a pattern the server refuses with exit 2 and INVALID_POLICY, changing nothing', async () => {
    const before = (await api('GET', '/folders/cli%2Fdocs/policy')).body;
    const run = await runCli(['policy', 'cli/docs', '--exclude', '**/a/**/b/**', '--keep-last', '9'], env);
    expect([run.code, run.stdout]).toEqual([2, '']);
    expect(run.stderr).toBe(
      'strongbox: 400 INVALID_POLICY: The policy was refused: body.exclude.0: The exclude line "**/a/**/b/**" has 3 "**": at most 2 are allowed, each more multiplies the matching work on deep trees\n',
    );
    expect((await api('GET', '/folders/cli%2Fdocs/policy')).body).toEqual(before);
  });

  it('refuses a size or a count it cannot read before asking the server (exit 2)', async () => {
    const size = await runCli(['policy', 'cli/docs', '--max-file-size', '10XB'], env);
    expect(size.code).toBe(2);
    expect(size.stderr).toContain('must be a size above 0 such as 1048576, 10MiB or 1.5GB, or "none"');
    const keep = await runCli(['policy', 'cli/docs', '--keep-daily', '-1'], env);
    expect(keep.code).toBe(2);
    expect(keep.stderr).toContain("option '--keep-daily <n>' argument '-1' is invalid");
  });
});
