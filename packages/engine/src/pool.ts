import { Worker } from 'node:worker_threads';
import { EngineError, toEngineError } from './errors.js';

const WORKER_URL = new URL('./copy-worker.js', import.meta.url);

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

/**
 * A fixed set of worker threads running copy-worker.js. Tasks go to the least busy thread; each
 * thread may hold a couple queued so it never idles between them.
 */
export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private failure: unknown;

  constructor(size: number) {
    for (let i = 0; i < Math.max(1, size); i++) this.workers.push(this.spawn());
  }

  get size(): number {
    return this.workers.length;
  }

  /** Tasks queued or running across all threads. */
  get inFlight(): number {
    return this.pending.size;
  }

  run<T>(task: Record<string, unknown>, onProgress?: (bytes: number) => void): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    let chosen = this.workers[0]!;
    for (const w of this.workers) if (w.busy < chosen.busy) chosen = w;
    const id = this.nextId++;
    chosen.busy++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress, worker: chosen });
      chosen.thread.postMessage({ ...task, id });
    });
  }

  /** Makes every running and queued task stop at its next check. */
  cancel(): void {
    Atomics.store(this.cancelFlag, 0, 1);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.thread.terminate()));
  }

  private spawn(): PoolWorker {
    const thread = new Worker(WORKER_URL, {
      workerData: { cancel: this.cancelFlag.buffer, umask: process.umask() },
    });
    const worker: PoolWorker = { thread, busy: 0 };
    thread.unref();
    thread.on('message', (reply: WorkerReply) => this.onReply(reply));
    thread.on('error', (error) => this.failAll(toEngineError(error, 'running a copy thread')));
    thread.on('exit', (code) => {
      if (code !== 0 && this.pending.size > 0) {
        this.failAll(new EngineError('IO_ERROR', `A copy thread stopped unexpectedly (exit code ${code})`));
      }
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
      entry.reject(toEngineError(error, e.path ? `copying ${e.path}` : 'copying'));
    }
  }

  private failAll(error: unknown): void {
    this.failure = error;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      entry.reject(error);
    }
  }
}

/** A task stopped because the pool was cancelled. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}
