import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal, type Job } from '@strongbox/contract';
import { connectDatabase, type Db } from '@strongbox/db';
import {
  APP_STOP_TIMEOUT_MS,
  freePort,
  type SupervisedProcess,
  startApi,
  startWorker,
  stopProcess,
} from '@strongbox/services';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  type TestDatabase,
  testPrefix,
} from '@strongbox/services/testing';
import { inject } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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
  /** The API process. */
  api: ChildProcess;
  workers: ChildProcess[];
  /** Starts one more worker process. */
  addWorker(): Promise<ChildProcess>;
  /** Everything the processes printed so far, for failure messages. */
  output(): string;
  /** The JSON log lines of every worker process so far, parsed, in the order each printed them. */
  workerLogs(): Record<string, unknown>[];
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
  const children: SupervisedProcess[] = [];
  const workers: ChildProcess[] = [];
  // Each worker's own lines, in the order it printed them, for workerLogs().
  const workerLines: string[][] = [];
  const appOptions = (name: string, own?: string[]) => ({
    root: repo,
    env: { PATH: process.env.PATH ?? '', ...env },
    name,
    output: (line: string) => {
      logs.push(`${name} | ${line}\n`);
      own?.push(line);
    },
  });
  // Workers still starting when the stack stops (a test that failed while adding one) are waited
  // for, then stopped: none outlives the stack or starts on a scratch directory being removed.
  const starting = new Set<Promise<unknown>>();
  const track = (app: SupervisedProcess) => {
    children.push(app);
    return app;
  };

  await mkdir(sourceRoot, { recursive: true });
  // BACKUP_FOLDER is left for the worker to create, as it does on a fresh machine.
  const url = `http://127.0.0.1:${port}`;
  const api = track(await startApi({ ...appOptions('api'), url }));
  const db = await connectDatabase(database.url, { connectionLimit: 4 });

  const stack: Stack = {
    url,
    sourceRoot,
    backupFolder,
    db,
    env,
    api: api.child,
    workers,
    async addWorker() {
      const own: string[] = [];
      workerLines.push(own);
      const start = startWorker(appOptions(`worker-${workers.length + 1}`, own));
      starting.add(start);
      try {
        const { child } = track(await start);
        workers.push(child);
        return child;
      } finally {
        starting.delete(start);
      }
    },
    output: () => logs.join(''),
    workerLogs: () =>
      workerLines.flatMap((lines) =>
        lines
          .filter((line) => line.startsWith('{'))
          .flatMap((line) => {
            try {
              return [JSON.parse(line) as Record<string, unknown>];
            } catch {
              return []; // the last line of a process killed while it printed it
            }
          }),
      ),
    async stop() {
      await Promise.allSettled([...starting]);
      await Promise.all(children.map((child) => child.stop()));
      await db.end();
      await database.drop();
      await cleanupRedisPrefix(redisUrl, prefix);
      await rm(scratch, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < (options.workers ?? 1); i++) await stack.addWorker();
  return stack;
}

/** Stops one of the stack's processes: `signal` (SIGTERM), then SIGKILL if it does not exit in time. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  await stopProcess(child, { signal, timeoutMs: APP_STOP_TIMEOUT_MS });
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
      return job !== undefined && isTerminal(job.status);
    },
    timeoutMs,
    () => `job ${id} did not end: ${JSON.stringify(job)}\n${stack.output()}`,
  );
  return job;
}

/**
 * A command for a hook of HOOKS_FILE that holds its job until the file named by the hook's variable
 * `variable` exists: a test lets the job go on by creating that file.
 */
export function holdUntilFile(variable: string): string[] {
  return ['/bin/sh', '-c', `while [ ! -e "$${variable}" ]; do sleep 0.05; done`];
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
