import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishJob, startJob, updateProgress } from '@strongbox/db';
import { freePort } from '@strongbox/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, type Stack, startStack, stopChild, waitFor } from '../stack.js';
import { type CliProcess, linesOf, runCli, startCli, waitForOutput } from './run-cli.js';

// No worker at first: every job stays queued until a test adds one, so waiting can be cut short
// (--timeout, Ctrl-C, a cancel) without a race with the job's end.
const ID = '[0-9a-f-]{36}';

let stack: Stack;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startStack({ workers: 0 });
  env = { STRONGBOX_URL: stack.url };
});

afterAll(async () => {
  await stack?.stop();
});

describe('waiting on a job that does not end', () => {
  it('--timeout ends the wait with exit 5, and the job goes on', async () => {
    const run = await runCli(['backup', 'slow', '--wait', '--timeout', '1'], env);
    expect(run.code).toBe(5);
    const id = run.stdout.match(new RegExp(`^backup (${ID}) slow: queued\\n$`))?.[1];
    expect(id, run.stdout).toBeDefined();
    expect(run.stderr).toBe(
      `strongbox: gave up waiting after 1.0 s: backup ${id} slow: queued; the job goes on (strongbox status ${id} --wait)\n`,
    );
    expect((await call(stack, 'GET', `/backups/${id}`)).body.status).toBe('queued');
  });

  it('a job cancelled while the client waits ends the wait with exit 1 and CANCELLED on stderr', async () => {
    const waiting = startCli(['backup', 'cancelled', '--wait'], env);
    const [, id] = await waitForOutput(waiting, new RegExp(`^backup (${ID}) cancelled: queued\\n`));

    const cancel = await runCli(['cancel', id!], env);
    expect(cancel.stderr).toBe('');
    expect(cancel.code).toBe(0);
    const job = (await call(stack, 'GET', `/backups/${id}`)).body;
    expect(job.status).toBe('cancelled');
    expect(cancel.stdout).toBe(
      `backup ${id} cancelled: cancelled, ${job.error.code}: ${job.error.message}\n`,
    );

    const ended = await waiting.exited;
    expect(ended.code).toBe(1);
    expect(ended.stderr).toBe(
      `strongbox: backup ${id} cancelled: cancelled, CANCELLED: ${job.error.message}\n`,
    );
  });

  it('cancel prints the API answer with --json, and exits 2 for a job that has ended', async () => {
    const queued = await call(stack, 'POST', '/backups', { folder: 'cancel-json' });
    const run = await runCli(['cancel', queued.body.id, '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual((await call(stack, 'GET', `/backups/${queued.body.id}`)).body);
    expect(JSON.parse(run.stdout).status).toBe('cancelled');

    const again = await runCli(['cancel', queued.body.id], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^strongbox: 409 JOB_NOT_CANCELLABLE: /);
  });

  it('an API that stays away longer than --retry-for ends the wait with exit 3, naming the job', async () => {
    const { process: api, url } = await startSecondApi();
    try {
      const waiting = startCli(['backup', 'api-gone', '--wait', '--retry-for', '1'], { STRONGBOX_URL: url });
      const [, id] = await waitForOutput(waiting, new RegExp(`^backup (${ID}) api-gone: queued\\n`));
      await stopChild(api);
      const ended = await waiting.exited;
      expect(ended.code).toBe(3);
      expect(ended.stderr).toMatch(
        new RegExp(
          `^strongbox: could not reach the API at ${url}: .+; asking again for up to 1\\.0 s \\(backup ${id} goes on\\)\\n` +
            `strongbox: could not reach the API at ${url}: .+, for \\d+(\\.\\d)? s; backup ${id} goes on \\(strongbox status ${id} --wait\\)\\n$`,
        ),
      );
      expect((await call(stack, 'GET', `/backups/${id}`)).body.status).toBe('queued');
    } finally {
      await stopChild(api);
    }
  });

  it('an API restarted while the client waits: the wait asks again, says so on stderr, and follows the job to its end', async () => {
    const first = await startSecondApi();
    let second: ChildProcess | undefined;
    try {
      const waiting = startCli(['backup', 'api-restart', '--wait'], { STRONGBOX_URL: first.url });
      const [, id] = await waitForOutput(waiting, new RegExp(`^backup (${ID}) api-restart: queued\\n`));
      await stopChild(first.process);
      await waitForStderr(waiting, /asking again for up to 1 min 0 s/);
      second = (await startSecondApi(first.port)).process;
      await waitForStderr(waiting, /the API answers again/);

      // The worker's part, played here: this stack has no worker yet (see the top of the file).
      await startJob(stack.db, id!, 'test:1');
      const job = await finishJob(stack.db, id!, {
        status: 'succeeded',
        kind: 'backup',
        result: { ...RESULT, snapshot: 'api-restart/s1' },
      });
      const ended = await waiting.exited;
      expect(ended.code, ended.stderr).toBe(0);
      expect(ended.stderr).toMatch(
        new RegExp(
          `^strongbox: could not reach the API at ${first.url}: .+; asking again for up to 1 min 0 s \\(backup ${id} goes on\\)\\n` +
            'strongbox: the API answers again, after \\d+(\\.\\d)? s\\n$',
        ),
      );
      // The job is started, then finished, just above: a poll may fall between the two and print
      // the running state once; it prints nothing else.
      const lines = linesOf(ended.stdout);
      expect(lines[0]).toBe(`backup ${id} api-restart: queued`);
      expect(lines.at(-1)).toBe(
        `backup ${id} api-restart: succeeded, snapshot api-restart/s1, 2 files, 20 B, 1 linked, 12 ms`,
      );
      expect(lines.slice(1, -1)).toEqual(
        lines.length === 3 ? [`backup ${id} api-restart: running on test:1, 0 of ? files, 0 B of ?`] : [],
      );
      expect(job?.status).toBe('succeeded');
    } finally {
      await stopChild(first.process);
      if (second) await stopChild(second);
    }
  });

  it('--json --wait prints a running job again every second, with the progress the worker records, then its end', async () => {
    const posted = (await call(stack, 'POST', '/backups', { folder: 'json-progress' })).body;
    const waiting = startCli(['--json', 'status', posted.id, '--wait'], env);
    const answers = () => linesOf(waiting.stdout()).map((line) => JSON.parse(line));
    const runningAt = (filesDone: number) =>
      answers().filter((job) => job.status === 'running' && job.progress.filesDone === filesDone).length;
    await waitForOutput(waiting, /"status":"queued"/);

    // The worker's part, played here: it starts the job and records progress, then holds still.
    await startJob(stack.db, posted.id, 'test:1');
    await updateProgress(stack.db, posted.id, { filesDone: 1, filesTotal: 2, bytesDone: 5, bytesTotal: 20 });
    await waitFor(
      async () => runningAt(1) >= 3,
      30_000,
      () => `no repeated running answers:\n${waiting.stdout()}`,
    );
    await updateProgress(stack.db, posted.id, { filesDone: 2, filesTotal: 2, bytesDone: 20, bytesTotal: 20 });
    await waitFor(
      async () => runningAt(2) >= 1,
      30_000,
      () => `the progress did not show:\n${waiting.stdout()}`,
    );
    await finishJob(stack.db, posted.id, {
      status: 'succeeded',
      kind: 'backup',
      result: { ...RESULT, snapshot: 'json-progress/s1' },
    });

    const ended = await waiting.exited;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toBe('');
    const printed = answers();
    expect(printed[0]).toMatchObject({ id: posted.id, status: 'queued' });
    // Every answer the API gave, unchanged; the same running answer printed again while nothing moved.
    expect(new Set(printed.slice(1, -1).map((job) => JSON.stringify(job.progress)))).toEqual(
      new Set([
        JSON.stringify({ filesDone: 1, filesTotal: 2, bytesDone: 5, bytesTotal: 20 }),
        JSON.stringify({ filesDone: 2, filesTotal: 2, bytesDone: 20, bytesTotal: 20 }),
      ]),
    );
    expect(printed.slice(1, -1).every((job) => job.status === 'running' && job.worker === 'test:1')).toBe(
      true,
    );
    expect(printed.at(-1)).toEqual((await call(stack, 'GET', `/backups/${posted.id}`)).body);
  });

  it('an API that takes connections but never answers is given up after the request timeout, with exit 3', async () => {
    const api = await startSecondApi();
    try {
      // Held, the process still has its socket: connections are accepted, nothing answers.
      api.process.kill('SIGSTOP');
      // 30 s unless told otherwise (apps/cli/src/context.test.ts); 2 s here.
      const run = await runCli(['stats'], { STRONGBOX_URL: api.url, STRONGBOX_REQUEST_TIMEOUT: '2' });
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(`strongbox: the API at ${api.url} did not answer GET /stats within 2 s\n`);
    } finally {
      api.process.kill('SIGCONT');
      await stopChild(api.process);
    }
  });

  it('Ctrl-C stops waiting with exit 130 and names the job, which goes on to succeed', async () => {
    await makeFolder(stack, 'goes-on', { 'g.txt': 'goes on' });
    const waiting = startCli(['backup', 'goes-on', '--wait'], env);
    const [, id] = await waitForOutput(waiting, new RegExp(`^backup (${ID}) goes-on: queued\\n`));
    waiting.child.kill('SIGINT');
    const ended = await waiting.exited;
    expect(ended.code).toBe(130);
    expect(ended.stderr).toBe(
      `strongbox: stopped waiting; backup ${id} goes on (strongbox status ${id} --wait to wait again)\n`,
    );
    expect((await call(stack, 'GET', `/backups/${id}`)).body.status).toBe('queued');

    await stack.addWorker();
    const resumed = await runCli(['status', id!, '--wait', '--timeout', '60'], env);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(linesOf(resumed.stdout).at(-1)).toMatch(
      new RegExp(`^backup ${id} goes-on: succeeded, snapshot goes-on/\\S+, 1 file, 7 B, 0 linked, `),
    );
  });
});

/** A second API process on the stack's database and queue, for a test to stop or hold, on `port` if given. */
async function startSecondApi(port?: number): Promise<{ process: ChildProcess; url: string; port: number }> {
  const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../apps/api/dist/main.js');
  const listen = port ?? (await freePort());
  const api = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', ...stack.env, PORT: String(listen) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${listen}`;
  try {
    await waitFor(
      async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true,
      30_000,
      () => 'the second API did not come up',
    );
  } catch (error) {
    await stopChild(api);
    throw error;
  }
  return { process: api, url, port: listen };
}

/** Waits until the process has printed something that matches on stderr. */
async function waitForStderr(cli: CliProcess, pattern: RegExp): Promise<void> {
  await waitFor(
    async () => pattern.test(cli.stderr()) || cli.child.exitCode !== null,
    60_000,
    () => `strongbox did not print ${pattern} on stderr:\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`,
  );
  expect(cli.stderr()).toMatch(pattern);
}

/** What the played worker reports for a backup. */
const RESULT = {
  files: 2,
  bytes: 20,
  copiedFiles: 1,
  copiedBytes: 10,
  linkedFiles: 1,
  skipped: 0,
  warnings: [],
  durationMs: 12,
};
