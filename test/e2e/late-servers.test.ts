import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  type LocalServer,
  type SupervisedProcess,
  startApi,
  startMariadb,
  startRedis,
  startWorker,
} from '@strongbox/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './stack.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RETRY_LINE = '"msg":"MySQL is not reachable yet; retrying"';

let scratch: string;
const started: (SupervisedProcess | LocalServer)[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'strongbox-late-'));
});
afterAll(async () => {
  // Apps first, then the servers they use.
  for (const process of started.reverse()) await process.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('servers that come up after the apps', () => {
  it('the API and a worker started before MySQL and Redis wait for them, say so, then serve', async () => {
    const [redisPort, mariadbPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const url = `http://127.0.0.1:${apiPort}`;
    const lines: string[] = [];
    const options = (name: string) => ({
      root: repo,
      name,
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        DATABASE_URL: `mysql://root@127.0.0.1:${mariadbPort}/strongbox`,
        SOURCE_ROOT: path.join(scratch, 'data'),
        BACKUP_FOLDER: path.join(scratch, 'backup'),
        PORT: String(apiPort),
      },
      output: (line: string) => lines.push(`${name} | ${line}`),
      readyTimeoutMs: 120_000,
    });
    await mkdir(path.join(scratch, 'data', 'late'), { recursive: true });
    const api = startApi({ ...options('api'), url });
    const worker = startWorker(options('worker'));

    const retried = (name: string) =>
      lines.some((line) => line.startsWith(`${name} | `) && line.includes(RETRY_LINE));
    await waitFor(
      async () => retried('api') && retried('worker'),
      60_000,
      () => `the apps did not say they wait for MySQL:\n${lines.join('\n')}`,
    );
    const retry = JSON.parse(lines.find((line) => line.includes(RETRY_LINE))!.replace(/^\w+ \| /, ''));
    expect(retry).toMatchObject({ level: 40, attempt: 1, retryInMs: 500, err: { code: 'ECONNREFUSED' } });

    started.push(await startMariadb({ dataDir: path.join(scratch, 'mariadb'), port: mariadbPort }));
    started.push(await api);
    // The API listens without Redis (it still records jobs in MySQL) and is not ready until Redis is.
    const notReady = await fetch(`${url}/ready`);
    expect(notReady.status).toBe(503);
    expect(JSON.stringify(await notReady.json())).toMatch(/redis/i);

    started.push(await startRedis({ dataDir: path.join(scratch, 'redis'), port: redisPort }));
    started.push(await worker);
    await waitFor(
      async () => (await fetch(`${url}/ready`)).status === 200,
      60_000,
      () => `the API did not become ready:\n${lines.join('\n')}`,
    );
    const response = await fetch(`${url}/backups?wait=60`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ folder: 'late' }),
    });
    expect(response.status, lines.join('\n')).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe('succeeded');
    // While Redis was down, every connection's errors went to the log as lines of its own.
    expect(lines.filter((line) => line.includes('Unhandled error event'))).toEqual([]);
  }, 240_000);
});
