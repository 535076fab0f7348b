import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@strongbox/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, type Stack, startStack, stopChild, waitFor } from '../stack.js';
import { linesOf, runCli, startCli, waitForOutput } from './run-cli.js';

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

  it('an API that goes away while the client waits ends the wait with exit 3, naming the job', async () => {
    const { process: api, url } = await startSecondApi();
    try {
      const waiting = startCli(['backup', 'api-gone', '--wait'], { STRONGBOX_URL: url });
      const [, id] = await waitForOutput(waiting, new RegExp(`^backup (${ID}) api-gone: queued\\n`));
      await stopChild(api);
      const ended = await waiting.exited;
      expect(ended.code).toBe(3);
      expect(ended.stderr).toMatch(
        new RegExp(
          `^strongbox: could not reach the API at ${url}: .+; backup ${id} goes on \\(strongbox status ${id} --wait\\)\\n$`,
        ),
      );
      expect((await call(stack, 'GET', `/backups/${id}`)).body.status).toBe('queued');
    } finally {
      await stopChild(api);
    }
  });

  it('an API that takes connections but never answers is given up after 30 s, with exit 3', async () => {
    const api = await startSecondApi();
    try {
      // Held, the process still has its socket: connections are accepted, nothing answers.
      api.process.kill('SIGSTOP');
      const run = await runCli(['stats'], { STRONGBOX_URL: api.url });
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(`strongbox: the API at ${api.url} did not answer GET /stats within 30 s\n`);
    } finally {
      api.process.kill('SIGCONT');
      await stopChild(api.process);
    }
  }, 90_000);

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

/** A second API process on the stack's database and queue, for a test to stop or hold. */
async function startSecondApi(): Promise<{ process: ChildProcess; url: string }> {
  const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../apps/api/dist/main.js');
  const port = await freePort();
  const api = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', ...stack.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
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
  return { process: api, url };
}
