import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder, type Stack, waitFor } from '../stack.js';
import { linesOf, runCli } from './run-cli.js';
import { startTokenStack, type TokenStack } from './token-stack.js';

// `strongbox schedules …` of the built CLI against the real stack, which here wants a token. The
// tests of this file run one after the other, on a database of their own: the first one sees no
// schedule at all.
const TOKEN = 'cli-schedules-token-41c2';
const ID = '[0-9a-f-]{36}';
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

let stack: Stack;
let env: Record<string, string>;
let api: TokenStack['api'];

beforeAll(async () => {
  ({ stack, env, api } = await startTokenStack(TOKEN));
});

afterAll(async () => {
  await stack?.stop();
});

async function scheduleIds(): Promise<string[]> {
  const page = await api('GET', '/schedules?limit=1000');
  expect(page.body.nextCursor).toBeNull();
  return page.body.items.map((schedule: { id: string }) => schedule.id);
}

const HEADER = `ID${' '.repeat(36)}STATE   FOLDER${' '.repeat(16)}CRON${' '.repeat(13)}TZ${' '.repeat(16)}NEXT RUN`;

describe('strongbox schedules list', () => {
  it('says so when there is no schedule', async () => {
    const run = await runCli(['schedules', 'list'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('no schedules\n');
  });

  it('lists every schedule oldest first as a table, a paused one without a next run', async () => {
    const first = (await api('POST', '/schedules', { folder: 'table/a', cron: '0 3 * * *' })).body;
    const second = (
      await api('POST', '/schedules', { folder: 'table/b', cron: '*/15 * * * *', tz: 'Europe/Paris' })
    ).body;
    const paused = (await api('PATCH', `/schedules/${second.id}`, { paused: true })).body;
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    try {
      const run = await runCli(['schedules', 'list'], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(linesOf(run.stdout)).toEqual([
        HEADER,
        `${first.id}  active  table/a               0 3 * * *        UTC               ${first.nextRunAt}`,
        `${second.id}  paused  table/b               */15 * * * *     Europe/Paris`,
      ]);

      const json = await runCli(['schedules', 'list', '--json'], env);
      expect(json.code).toBe(0);
      expect(linesOf(json.stdout).map((line) => JSON.parse(line))).toEqual([
        { items: [first, paused], nextCursor: null },
      ]);
    } finally {
      await api('DELETE', `/schedules/${first.id}`);
      await api('DELETE', `/schedules/${second.id}`);
    }
  });

  it('follows the pages of the API to the end', async () => {
    // 1,005 paused schedules written straight into the stack's database: more than the API gives
    // in one page (1,000); paused, so that no worker gives them a job scheduler.
    const rows = Array.from({ length: 1005 }, (_, i) => [
      `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      `paged/${i}`,
      '0 3 * * *',
      'UTC',
      true,
      new Date('2001-02-03T04:05:06Z'),
      new Date('2001-02-03T04:05:06Z'),
    ]);
    await stack.db.query(
      'INSERT INTO schedule (id, folder, cron, tz, paused, created_at, updated_at) VALUES ?',
      [rows],
    );
    try {
      const json = await runCli(['schedules', 'list', '--json'], env);
      expect(json.code).toBe(0);
      const pages = linesOf(json.stdout).map((line) => JSON.parse(line));
      expect(pages.map((page) => page.items.length)).toEqual([1000, 5]);
      expect(pages.map((page) => page.nextCursor === null)).toEqual([false, true]);
      expect(pages.flatMap((page) => page.items.map((schedule: { id: string }) => schedule.id))).toEqual(
        rows.map((row) => row[0]),
      );

      const text = await runCli(['schedules', 'list'], env);
      expect(text.code).toBe(0);
      const lines = linesOf(text.stdout);
      expect(lines).toHaveLength(1 + 1005);
      expect(lines[1005]).toBe(
        '00000000-0000-4000-8000-000000001004  paused  paged/1004            0 3 * * *        UTC',
      );
    } finally {
      await stack.db.query("DELETE FROM schedule WHERE folder LIKE 'paged/%'");
    }
  });
});

describe('strongbox schedules add', () => {
  it('adds a schedule and prints its line: folder, cron, zone and next run (exit 0)', async () => {
    const run = await runCli(
      ['schedules', 'add', 'nightly', '--cron', '0 3 * * *', '--tz', 'Europe/Paris'],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = run.stdout.match(new RegExp(`^schedule (${ID}) nightly: `))?.[1];
    expect(id, run.stdout).toBeDefined();
    const schedule = (await api('GET', `/schedules/${id}`)).body;
    expect(schedule).toMatchObject({
      folder: 'nightly',
      cron: '0 3 * * *',
      tz: 'Europe/Paris',
      paused: false,
    });
    expect(schedule.nextRunAt).toMatch(new RegExp(`^${ISO}$`));
    expect(run.stdout).toBe(
      `schedule ${id} nightly: active, "0 3 * * *" in Europe/Paris, next run ${schedule.nextRunAt}\n`,
    );
    await api('DELETE', `/schedules/${id}`);
  });

  it('reads the expression in UTC without --tz, and prints the API answer unchanged with --json', async () => {
    const run = await runCli(['schedules', 'add', 'half-minutes', '--cron', '*/30 * * * * *', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout);
    expect(answer).toMatchObject({
      folder: 'half-minutes',
      cron: '*/30 * * * * *',
      tz: 'UTC',
      paused: false,
    });
    expect(answer).toEqual((await api('GET', `/schedules/${answer.id}`)).body);
    await api('DELETE', `/schedules/${answer.id}`);
  });

  it.each([
    [
      'a cron of 4 fields',
      ['f', '--cron', '* * * *'],
      '400 INVALID_SCHEDULE: The cron expression must have 5 fields (minute hour day month weekday) or 6 (seconds first): got 4 in "* * * *"',
    ],
    [
      'a minute out of range',
      ['f', '--cron', '61 * * * *'],
      '400 INVALID_SCHEDULE: The cron expression "61 * * * *" cannot run: Constraint error, got value 61 expected range 0-59',
    ],
    [
      'a time zone that does not exist',
      ['f', '--cron', '0 3 * * *', '--tz', 'Mars/Olympus'],
      '400 INVALID_SCHEDULE: The time zone must be an IANA name such as Europe/Paris or UTC: got "Mars/Olympus"',
    ],
    [
      'a folder outside SOURCE_ROOT',
      ['../etc', '--cron', '0 3 * * *'],
      '400 INVALID_FOLDER: The folder must not have "." or ".." segments: got "../etc"',
    ],
  ])('refuses %s with exit 2 and the API code and message, and records nothing', async (_, args, message) => {
    const before = await scheduleIds();
    const run = await runCli(['schedules', 'add', ...args], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`strongbox: ${message}\n`);
    expect(await scheduleIds()).toEqual(before);
  });
});

describe('strongbox schedules pause and resume', () => {
  it('pause stops a schedule (no next run) and resume starts it again, as text and with --json', async () => {
    const created = (
      await api('POST', '/schedules', { folder: 'pausing', cron: '0 3 * * *', tz: 'Europe/Paris' })
    ).body;
    try {
      const pause = await runCli(['schedules', 'pause', created.id], env);
      expect(pause.stderr).toBe('');
      expect(pause.code).toBe(0);
      expect(pause.stdout).toBe(`schedule ${created.id} pausing: paused, "0 3 * * *" in Europe/Paris\n`);
      const paused = (await api('GET', `/schedules/${created.id}`)).body;
      expect(paused).toMatchObject({ paused: true, nextRunAt: null });

      // Pausing a paused schedule is no error: it stays paused.
      const again = await runCli(['schedules', 'pause', created.id, '--json'], env);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ id: created.id, paused: true, nextRunAt: null });

      const resume = await runCli(['schedules', 'resume', created.id], env);
      expect(resume.stderr).toBe('');
      expect(resume.code).toBe(0);
      const resumed = (await api('GET', `/schedules/${created.id}`)).body;
      expect(resumed.paused).toBe(false);
      expect(resumed.nextRunAt).toMatch(new RegExp(`^${ISO}$`));
      expect(resume.stdout).toBe(
        `schedule ${created.id} pausing: active, "0 3 * * *" in Europe/Paris, next run ${resumed.nextRunAt}\n`,
      );

      const json = await runCli(['schedules', 'resume', created.id, '--json'], env);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual((await api('GET', `/schedules/${created.id}`)).body);
    } finally {
      await api('DELETE', `/schedules/${created.id}`);
    }
  });
});

describe('a schedule that fires', () => {
  it('an every-second schedule starts backups that strongbox list shows, and they stay after schedules remove', async () => {
    await makeFolder(stack, 'ticking', { 't.txt': 'tick' });
    const added = await runCli(['schedules', 'add', 'ticking', '--cron', '* * * * * *', '--json'], env);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout);
    try {
      let started: { id: string; scheduleId: string; status: string }[] = [];
      await waitFor(
        async () => {
          const page = await api('GET', '/backups?kind=backup&folder=ticking&status=succeeded&limit=1000');
          started = page.body.items;
          return started.length >= 2;
        },
        60_000,
        () => `the schedule did not start two backups:\n${stack.output()}`,
      );
      expect(started.map((job) => job.scheduleId)).toEqual(started.map(() => id));

      const json = await runCli(['list', '--folder', 'ticking', '--limit', '1000', '--json'], env);
      expect(json.code).toBe(0);
      const listed = linesOf(json.stdout).flatMap((line) => JSON.parse(line).items);
      for (const job of started) {
        expect(listed.find((found: { id: string }) => found.id === job.id)).toMatchObject({
          kind: 'backup',
          folder: 'ticking',
          scheduleId: id,
          status: 'succeeded',
        });
      }
      const text = await runCli(
        ['list', '--folder', 'ticking', '--status', 'succeeded', '--limit', '1000'],
        env,
      );
      expect(text.code).toBe(0);
      for (const job of started) {
        expect(text.stdout).toMatch(
          new RegExp(`^${job.id}  backup   succeeded  ${ISO}  ticking  +ticking/\\S+$`, 'm'),
        );
      }

      const removed = await runCli(['schedules', 'remove', id], env);
      expect(removed.stderr).toBe('');
      expect(removed.code).toBe(0);
      expect(removed.stdout).toBe(`schedule ${id} removed; the backups it started stay\n`);
      const gone = await api('GET', `/schedules/${id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.code).toBe('NOT_FOUND');
      for (const job of started) {
        expect((await api('GET', `/backups/${job.id}`)).body).toMatchObject({
          scheduleId: id,
          status: 'succeeded',
        });
      }
    } finally {
      await api('DELETE', `/schedules/${id}`);
    }
  });

  it('remove --json prints nothing (the API answers 204 without a body), exit 0', async () => {
    const created = (await api('POST', '/schedules', { folder: 'quiet', cron: '0 3 * * *' })).body;
    const run = await runCli(['schedules', 'remove', created.id, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect((await api('GET', `/schedules/${created.id}`)).status).toBe(404);
  });
});

describe('unknown schedule ids', () => {
  it.each([
    ['remove', UNKNOWN],
    ['pause', UNKNOWN],
    ['resume', UNKNOWN],
    ['remove', 'not-a-uuid'],
    ['pause', 'not-a-uuid'],
  ])('schedules %s %s exits 2 with the API 404 and its message', async (command, id) => {
    const run = await runCli(['schedules', command, id], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`strongbox: 404 NOT_FOUND: There is no schedule with id "${id}"\n`);
  });

  it('removing a schedule twice exits 2 the second time', async () => {
    const created = (await api('POST', '/schedules', { folder: 'twice', cron: '0 3 * * *' })).body;
    expect((await runCli(['schedules', 'remove', created.id], env)).code).toBe(0);
    const again = await runCli(['schedules', 'remove', created.id], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`strongbox: 404 NOT_FOUND: There is no schedule with id "${created.id}"\n`);
  });
});

describe('schedules without a token', () => {
  it.each([
    [['list']],
    [['add', 'no-token', '--cron', '0 3 * * *']],
    [['remove', UNKNOWN]],
    [['pause', UNKNOWN]],
    [['resume', UNKNOWN]],
  ])('schedules %j exits 4, saying how to give one, and changes nothing', async (args) => {
    const before = await scheduleIds();
    const run = await runCli(['schedules', ...args], { STRONGBOX_URL: stack.url });
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'strongbox: 401 UNAUTHORIZED: This server needs a token: send Authorization: Bearer <token> (set STRONGBOX_TOKEN or pass --token)\n',
    );
    expect(await scheduleIds()).toEqual(before);
  });
});
