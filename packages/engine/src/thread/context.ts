/** What a task running in a copy thread may ask of the thread around it. */
export interface TaskContext {
  /** Throws Cancelled once the task's caller has cancelled it. */
  checkCancel(): void;
  /** Reports bytes written of a file still being copied. */
  progress(bytes: number): void;
  /** The process's umask: open(2) applies it to a new file's mode. */
  umask: number;
}

/** An error that stops a whole task (not a per-entry warning), with what the thread was doing. */
export class TaskFailure extends Error {
  constructor(
    readonly operation: string,
    readonly relativePath: string | undefined,
    cause: unknown,
  ) {
    super(`${operation} failed`, { cause });
    this.name = 'TaskFailure';
  }
}
