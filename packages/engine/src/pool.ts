import { Worker } from 'node:worker_threads';
import { EngineError, toEngineError } from './errors.js';

const WORKER_URL = new URL('./copy-worker.js', import.meta.url);
/** Idle shared pools close after this long; the next call starts new threads. */
const IDLE_CLOSE_MS = 30_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onProgress: ((bytes: number) => void) | undefined;
  worker: PoolWorker;
}

interface PoolWorker {
  thread: Worker;
  busy: number;
}

interface WorkerReply {
  id: number;
  ok?: boolean;
  cancelled?: boolean;
  progress?: number;
  result?: unknown;
  error?: { message: string; code?: string; path?: string };
}

/** Stops the tasks of one caller at their next check, without touching other callers' tasks. */
export class CancelToken {
  readonly flag = new Int32Array(new SharedArrayBuffer(4));

  cancel(): void {
    Atomics.store(this.flag, 0, 1);
  }
}

/**
 * A fixed set of worker threads running copy-worker.js. Tasks go to the least busy thread; each
 * thread may hold a few queued so it never idles between them. Threads do not keep the process
 * alive.
 */
export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: unknown;

  constructor(size: number) {
    for (let i = 0; i < Math.max(1, size); i++) this.workers.push(this.spawn());
  }

  get size(): number {
    return this.workers.length;
  }

  /** True once a thread died: the pool takes no more tasks. */
  get broken(): boolean {
    return this.failure !== undefined;
  }

  run<T>(
    task: Record<string, unknown>,
    cancel: CancelToken,
    onProgress?: (bytes: number) => void,
  ): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    let chosen = this.workers[0]!;
    for (const w of this.workers) if (w.busy < chosen.busy) chosen = w;
    const id = this.nextId++;
    chosen.busy++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress, worker: chosen });
      chosen.thread.postMessage({ ...task, id, cancel: cancel.flag.buffer });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.thread.terminate()));
  }

  private spawn(): PoolWorker {
    // The threads run plain JavaScript: flags of the caller's command line (--input-type, loaders)
    // must not be inherited, as some of them stop a worker from starting.
    // Each thread allocates only short-lived stat records, names and batch replies: a small young
    // generation keeps every thread's resident memory low without slowing the copy.
    const thread = new Worker(WORKER_URL, {
      workerData: { umask: process.umask() },
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    const worker: PoolWorker = { thread, busy: 0 };
    thread.unref();
    thread.on('message', (reply: WorkerReply) => this.onReply(reply));
    thread.on('error', (error) => this.failAll(toEngineError(error, 'running a copy thread')));
    thread.on('exit', (code) => {
      if (code !== 0)
        this.failAll(new EngineError('IO_ERROR', `A copy thread stopped unexpectedly (exit code ${code})`));
    });
    return worker;
  }

  private onReply(reply: WorkerReply): void {
    const entry = this.pending.get(reply.id);
    if (!entry) return;
    if (reply.progress !== undefined) {
      entry.onProgress?.(reply.progress);
      return;
    }
    this.pending.delete(reply.id);
    entry.worker.busy--;
    if (reply.ok) {
      entry.resolve(reply.result);
    } else if (reply.cancelled) {
      entry.reject(new Cancelled());
    } else {
      const e = reply.error ?? { message: 'unknown error' };
      const error = Object.assign(new Error(e.message), { code: e.code, path: e.path });
      entry.reject(toEngineError(error, 'copying'));
    }
  }

  private failAll(error: unknown): void {
    this.failure ??= error;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      entry.reject(error);
    }
  }
}

interface Shared {
  pool: WorkerPool;
  users: number;
  timer: NodeJS.Timeout | undefined;
}

const shared = new Map<string, Shared>();

/**
 * A pool of `size` threads shared by every caller in this process, so that repeated backups do
 * not pay for starting threads; pair with releasePool.
 */
export function acquirePool(size: number, kind = 'copy'): WorkerPool {
  const key = `${kind}:${size}`;
  let s = shared.get(key);
  if (s?.pool.broken) {
    shared.delete(key);
    void s.pool.close();
    s = undefined;
  }
  if (!s) {
    s = { pool: new WorkerPool(size), users: 0, timer: undefined };
    shared.set(key, s);
  }
  if (s.timer) clearTimeout(s.timer);
  s.timer = undefined;
  s.users++;
  return s.pool;
}

export function releasePool(pool: WorkerPool): void {
  for (const [key, s] of shared) {
    if (s.pool !== pool) continue;
    if (--s.users > 0) return;
    if (pool.broken) {
      shared.delete(key);
      void pool.close();
      return;
    }
    s.timer = setTimeout(() => {
      shared.delete(key);
      void pool.close();
    }, IDLE_CLOSE_MS);
    s.timer.unref();
    return;
  }
}

/** A task stopped because its caller cancelled. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}
