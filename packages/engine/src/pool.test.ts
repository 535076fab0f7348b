import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cancelled } from './cancelled.js';
import { EngineError } from './errors.js';
import { CancelToken, WorkerPool } from './pool.js';
import { workspace, writeTree } from './testing/helpers.js';
import { threadEntryUrl } from './thread-entry.js';

const execFileAsync = promisify(execFile);
const builtEngine = new URL('../dist/index.js', import.meta.url).href;

let ws: Awaited<ReturnType<typeof workspace>>;
let pool: WorkerPool;
beforeEach(async () => {
  ws = await workspace();
  pool = new WorkerPool(1);
});
afterEach(async () => {
  await pool.close();
  await ws.cleanup();
});

describe('WorkerPool', () => {
  it('answers each kind of task with the result of that kind', async () => {
    await writeTree(ws.src, { 'a.txt': 'abc', 'sub/b.txt': 'de' });
    const hashed = await pool.run({ kind: 'hash', path: path.join(ws.src, 'a.txt') }, new CancelToken());
    expect(hashed).toEqual({ hash: createHash('sha256').update('abc').digest('hex'), size: 3 });
    const counted = await pool.run({ kind: 'count', root: ws.src }, new CancelToken());
    expect(counted).toEqual({ files: 2, bytes: 5 });
  });

  it('rejects the tasks of a cancelled caller with Cancelled', async () => {
    await writeTree(ws.src, { 'a.txt': 'abc' });
    const cancel = new CancelToken();
    cancel.cancel();
    const error = await pool
      .run({ kind: 'hash', path: path.join(ws.src, 'a.txt') }, cancel)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Cancelled);
  });

  it('turns a failure inside a thread into an EngineError', async () => {
    const error = await pool
      .run({ kind: 'hash', path: path.join(ws.src, 'missing.txt') }, new CancelToken())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('IO_ERROR');
    // The message reaches clients: the errno, never the path; the path stays on the cause.
    expect((error as EngineError).message).toBe(
      'I/O error while reading: no such file or directory (ENOENT)',
    );
    expect((error as EngineError).cause).toMatchObject({ code: 'ENOENT' });
  });
});

describe('the copy threads', () => {
  it('keep no process alive once a backup has ended: a one-shot script exits on its own', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'abc' });
    await fsp.mkdir(ws.backup, { recursive: true });
    // A separate process: what keeps the event loop alive is a property of the whole process.
    const script = `
      const { runBackup } = await import(${JSON.stringify(builtEngine)});
      await runBackup({ sourceRoot: ${JSON.stringify(ws.src)}, backupFolder: ${JSON.stringify(ws.backup)}, folder: 'f', jobId: 'j', onProgress() {} });
      console.log(JSON.stringify(process.getActiveResourcesInfo()));
      process.exit(0);`;
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script]);
    // Its own stdout pipe and closing file handles are the script's; threads and timers are the engine's.
    const resources = JSON.parse(stdout) as string[];
    expect(resources.filter((kind) => ['MessagePort', 'Worker', 'Timeout'].includes(kind))).toEqual([]);
  });
});

// Checked by the compiler (npm run typecheck), never run: a task has exactly the fields of its kind,
// and its result is of that kind's type.
export function typeChecks(p: WorkerPool, cancel: CancelToken): void {
  const entry = { name: 'a.txt', file: true, prev: null };
  const batch = {
    kind: 'batch',
    srcDir: '',
    destDir: '',
    relDir: '',
    prevDir: null,
    hash: false,
    maxFileSize: null,
  } as const;
  // @ts-expect-error destName is not a field of a batch entry
  void p.run({ ...batch, entries: [{ ...entry, destName: 'elsewhere' }] }, cancel);
  // @ts-expect-error a count answers files and bytes, not a hash
  void p.run({ kind: 'count', root: '' }, cancel).then((result) => result.hash);
}

describe('threadEntryUrl', () => {
  it('runs the built thread beside built output, and the one in dist when loaded from src', async () => {
    const dist = new URL('../dist/', import.meta.url);
    expect(threadEntryUrl(new URL('pool.js', dist).href).href).toBe(new URL('thread/main.js', dist).href);
    expect(threadEntryUrl(import.meta.url).href).toBe(new URL('thread/main.js', dist).href);
    await expect(fsp.access(threadEntryUrl())).resolves.toBeUndefined();
  });

  it('says to build first when the thread is not built', () => {
    expect(() => threadEntryUrl(`file://${ws.dir}/engine/src/pool.ts`)).toThrow(
      `The engine's copy thread is not built (${ws.dir}/engine/dist/thread/main.js is missing): run \`npm run build\` first`,
    );
  });
});
