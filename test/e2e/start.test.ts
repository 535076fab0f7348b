import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, type SupervisedProcess, spawnProcess } from '@strongbox/services';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  type TestDatabase,
  testPrefix,
} from '@strongbox/services/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from './stack.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const START = path.join(repo, 'scripts/start.mjs');
const TOKEN = 'start-test-token-7c1f';
const run = promisify(execFile);

let database: TestDatabase;
let scratch: string;
const prefix = testPrefix();

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = await mkdtemp(path.join(tmpdir(), 'strongbox-start-'));
});
afterAll(async () => {
  await database?.drop();
  await cleanupRedisPrefix(inject('redisUrl'), prefix);
  await rm(scratch, { recursive: true, force: true });
});

describe('npm start (scripts/start.mjs)', () => {
  it('runs the API and WORKERS workers on the given servers, prints a curl that works with API_TOKENS, backs up its example folder, and stops on SIGINT', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const start: SupervisedProcess = spawnProcess({
      name: 'start',
      command: process.execPath,
      args: [START],
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_URL: inject('redisUrl'),
        DATABASE_URL: database.url,
        QUEUE_PREFIX: prefix,
        PORT: String(port),
        WORKERS: '2',
        API_TOKENS: TOKEN,
      },
      output: { lines: (line) => lines.push(line) },
    });
    const output = () => lines.join('\n');
    await waitFor(
      async () => lines.some((line) => line.startsWith('Strongbox is running')),
      90_000,
      () => `npm start did not come up:\n${output()}`,
    );
    expect(lines).toContain(`Strongbox is running at http://127.0.0.1:${port} with 2 worker(s).`);
    expect(lines.filter((line) => /^worker-[12] +\| .*"msg":"worker ready"/.test(line))).toHaveLength(2);
    // Relative folders resolve against the directory it was started from, and an example is made.
    expect(lines).toContain(`  source root:   ${path.join(scratch, 'data')}`);
    expect(await readdir(path.join(scratch, 'data', 'example'))).toEqual(['hello.txt', 'notes']);

    // The printed curl line, run as printed by a shell that has STRONGBOX_TOKEN, starts a backup;
    // without the variable it is refused. The token itself is never printed.
    expect(output()).not.toContain(TOKEN);
    expect(lines).toContain(
      '  export STRONGBOX_TOKEN=<one of API_TOKENS>      # `npx strongbox` reads it too',
    );
    const curl = lines.find((line) => line.startsWith('  curl -s -X POST'));
    expect(curl, output()).toBeDefined();
    const shell = (env: Record<string, string>) =>
      run('bash', ['-c', `${curl} -w ' HTTP %{http_code}'`], {
        env: { PATH: process.env.PATH ?? '', ...env },
      });
    const accepted = await shell({ STRONGBOX_TOKEN: TOKEN });
    expect(accepted.stdout).toMatch(
      /^\{"id":"[0-9a-f-]{36}","kind":"backup","folder":"example",.* HTTP 202$/,
    );
    const refused = await shell({});
    expect(refused.stdout).toMatch(/"code":"UNAUTHORIZED".* HTTP 401$/);

    const response = await fetch(`http://127.0.0.1:${port}/backups?wait=30`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ folder: 'example' }),
    });
    const job = (await response.json()) as { status: string; result: { files: number } };
    expect(response.status, output()).toBe(200);
    expect(job.status).toBe('succeeded');
    expect(job.result.files).toBe(2);

    start.child.kill('SIGINT');
    expect(await start.exited).toBe('exit code 0');
    expect(lines.at(-1)).toBe('Strongbox stopped.');
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect(output()).not.toContain(TOKEN);
  }, 180_000);

  it("lists every bad variable, WORKERS with the apps' own, and starts nothing", async () => {
    const child = spawn(process.execPath, [START], {
      cwd: scratch,
      env: { PATH: process.env.PATH ?? '', WORKERS: 'lots', PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^Invalid configuration: fix these environment variables and start again:\n {2}- PORT="eighty": .*\n {2}- WORKERS="lots": .*\n$/,
    );
    expect(stdout).toBe('');
  });
});
