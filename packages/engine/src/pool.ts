import { Worker } from 'node:worker_threads';
import { Cancelled } from './cancelled.js';
import { EngineError, toEngineError } from './errors.js';
import type { TaskKind, TaskMessage, TaskOf, TaskResults, ThreadReply } from './thread/messages.js';
import { threadEntryUrl } from './thread-entry.js';

/** Idle shared pools close after this long; the next call starts new threads. */
const IDLE_CLOSE_MS = 30_000;

interface Pending {
  resolve: (value: TaskResults[TaskKind]) => void;
  reject: (error: unknown) => void;
  onProgress: ((bytes: number) => void) | undefined;
  worker: PoolWorker;
}

interface PoolWorker {
  thread: Worker;
  busy: number;
}

/** Stops the tasks of one caller at their next check, without touching other callers' tasks. */
export class CancelToken {
  readonly flag = new Int32Array(new SharedArrayBuffer(4));

  cancel(): void {
    Atomics.store(this.flag, 0, 1);
  }
}

/**
 * A fixed set of worker threads running thread/main.js. Tasks go to the least busy thread; each
 * thread may hold a few queued so it never idles between them. A thread keeps the process alive
 * only while it has tasks.
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

  /**
   * Runs a task on the least busy thread. Its fields are those of its kind in thread/messages.ts, and
   * so is its result. Rejects with Cancelled once `cancel` is, or with an EngineError.
   */
  run<K extends TaskKind>(
    task: TaskOf<K>,
    cancel: CancelToken,
    onProgress?: (bytes: number) => void,
  ): Promise<TaskResults[K]> {
    if (this.failure) return Promise.reject(this.failure);
    let chosen = this.workers[0]!;
    for (const w of this.workers) if (w.busy < chosen.busy) chosen = w;
    const id = this.nextId++;
    // A thread with work keeps the process alive until it answers; an idle one does not.
    if (chosen.busy++ === 0) chosen.thread.ref();
    return new Promise<TaskResults[K]>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (value: TaskResults[TaskKind]) => void,
        reject,
        onProgress,
        worker: chosen,
      });
      const message: TaskMessage = { ...task, id, cancel: cancel.flag.buffer as SharedArrayBuffer };
      chosen.thread.postMessage(message);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.thread.terminate()));
  }

  private spawn(): PoolWorker {
    // The threads run the built JavaScript: flags of the caller's command line (--input-type,
    // loaders) must not be inherited, as some of them stop a worker from starting.
    // Each thread allocates only short-lived stat records, names and batch replies: a small young
    // generation keeps every thread's resident memory low without slowing the copy.
    const thread = new Worker(threadEntryUrl(), {
      workerData: { umask: process.umask() },
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    const worker: PoolWorker = { thread, busy: 0 };
    thread.on('message', (reply: ThreadReply) => this.onReply(reply));
    thread.on('error', (error) => this.failAll(toEngineError(error, 'running a copy thread')));
    thread.on('exit', (code) => {
      if (code !== 0)
        this.failAll(new EngineError('IO_ERROR', `A copy thread stopped unexpectedly (exit code ${code})`));
    });
    // Idle until given a task (see run). After the listeners: adding a 'message' listener refs the
    // thread's port again, which would keep a one-shot caller's process alive until the pool closes.
    thread.unref();
    return worker;
  }

  private onReply(reply: ThreadReply): void {
    const entry = this.pending.get(reply.id);
    if (!entry) return;
    if (reply.type === 'progress') {
      entry.onProgress?.(reply.bytes);
      return;
    }
    this.pending.delete(reply.id);
    if (--entry.worker.busy === 0) entry.worker.thread.unref();
    if (reply.type === 'ok') {
      entry.resolve(reply.result);
    } else if (reply.type === 'cancelled') {
      entry.reject(new Cancelled());
    } else {
      const { message, code, syscall, operation, relativePath } = reply.error;
      const cause = Object.assign(new Error(message), { code, syscall });
      const what = [operation ?? 'copying', relativePath].filter(Boolean).join(' ');
      entry.reject(toEngineError(cause, what));
    }
  }

  private failAll(error: unknown): void {
    this.failure ??= error;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      entry.reject(error);
    }
    for (const worker of this.workers) {
      worker.busy = 0;
      worker.thread.unref();
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
