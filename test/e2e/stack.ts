import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDatabase, type Db, type Job } from '@strongbox/db';
import { freePort } from '@strongbox/services';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  type TestDatabase,
  testPrefix,
} from '@strongbox/services/testing';
import { inject } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const API_MAIN = path.join(repo, 'apps/api/dist/main.js');
const WORKER_MAIN = path.join(repo, 'apps/worker/dist/main.js');

export interface StackOptions {
  workers?: number;
  env?: Record<string, string>;
}

/** The real API and worker processes, built output, on a database and queue prefix of their own. */
export interface Stack {
  url: string;
  sourceRoot: string;
  backupFolder: string;
  db: Db;
  env: Record<string, string>;
  workers: ChildProcess[];
  /** Starts one more worker process. */
  addWorker(): Promise<ChildProcess>;
  /** Everything the processes printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const redisUrl = inject('redisUrl');
  const database: TestDatabase = await createTestDatabase();
  const prefix = testPrefix();
  const scratch = await mkdtemp(path.join(tmpdir(), 'strongbox-e2e-'));
  const sourceRoot = path.join(scratch, 'data');
  const backupFolder = path.join(scratch, 'backup');
  const port = await freePort();
  const env: Record<string, string> = {
    REDIS_URL: redisUrl,
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    SOURCE_ROOT: sourceRoot,
    BACKUP_FOLDER: backupFolder,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const logs: string[] = [];
  const children: ChildProcess[] = [];
  const workers: ChildProcess[] = [];
  const launch = (name: string, main: string) => {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => logs.push(`${name} | ${chunk.toString()}`);
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
    return child;
  };

  await mkdir(sourceRoot, { recursive: true });
  // BACKUP_FOLDER is left for the worker to create, as it does on a fresh machine.
  launch('api', API_MAIN);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true,
    30_000,
    () => `the API did not come up:\n${logs.join('')}`,
  );
  const db = await connectDatabase(database.url, { connectionLimit: 4 });

  const stack: Stack = {
    url,
    sourceRoot,
    backupFolder,
    db,
    env,
    workers,
    async addWorker() {
      const worker = launch(`worker-${workers.length + 1}`, WORKER_MAIN);
      workers.push(worker);
      const before = logs.length;
      await waitFor(
        async () =>
          logs.slice(before).some((line) => line.includes('worker ready')) || worker.exitCode !== null,
        30_000,
        () => `a worker did not come up:\n${logs.join('')}`,
      );
      if (worker.exitCode !== null) throw new Error(`a worker exited at start:\n${logs.join('')}`);
      return worker;
    },
    output: () => logs.join(''),
    async stop() {
      await Promise.all(children.map((child) => stopChild(child)));
      await db.end();
      await database.drop();
      await cleanupRedisPrefix(redisUrl, prefix);
      await rm(scratch, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < (options.workers ?? 1); i++) await stack.addWorker();
  return stack;
}

/** SIGTERM, then SIGKILL if the process is still there after ten seconds. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A response body: the tests' assertions check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: bodies of every route pass through here, checked by expect().
type Body = any;

/** JSON over HTTP against the stack. */
export async function call(
  stack: Stack,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Body }> {
  const response = await fetch(`${stack.url}${route}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

/** Polls GET /backups/{id} until the job has ended. */
export async function waitForJob(stack: Stack, id: string, timeoutMs = 60_000): Promise<Body> {
  let job: Job | undefined;
  await waitFor(
    async () => {
      job = (await call(stack, 'GET', `/backups/${id}`)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(job?.status ?? '');
    },
    timeoutMs,
    () => `job ${id} did not end: ${JSON.stringify(job)}\n${stack.output()}`,
  );
  return job;
}

/** Writes `files` (relative path → content) into `SOURCE_ROOT/folder`; answers the folder's path. */
export async function makeFolder(
  stack: Stack,
  folder: string,
  files: Record<string, string>,
): Promise<string> {
  const root = path.join(stack.sourceRoot, folder);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
  return root;
}
