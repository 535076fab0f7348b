import { type Db, insertLogs, type NewLogEntry } from '@strongbox/db';

/** Options for {@link AuditWriter}. */
export interface AuditWriterOptions {
  /** Most milliseconds a row waits before its batch is written (AUDIT_FLUSH_MS). */
  flushMs: number;
  /**
   * Rows written in one statement at most; a batch this big is written at once.
   * @defaultValue 1000
   */
  maxBatch?: number;
  /**
   * Rows kept while MySQL refuses them; beyond it the oldest are dropped (and reported).
   * @defaultValue 100_000
   */
  maxPending?: number;
  /** Called when a batch could not be written; `dropped` rows were given up for good. */
  onError: (error: unknown, dropped: number) => void;
}

/**
 * Writes the audit rows of reads (`Get Stats`, `Get Log`) in batches: a request records its row and
 * answers at once, and every row is written, one INSERT per batch, within `flushMs` of its request
 * (or as soon as `maxBatch` rows wait). {@link close} writes what is left, so a graceful stop loses
 * nothing. A crash of the process (SIGKILL, out of memory, power loss) loses the rows not yet
 * written: those of the reads answered in the last `flushMs`, plus any MySQL refused meanwhile.
 * Rows of jobs (`Backup`, `Verify`, `Restore`) are not written here: they commit with the job.
 */
export class AuditWriter {
  private pending: (NewLogEntry & { date: Date })[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly maxBatch: number;
  private readonly maxPending: number;

  constructor(
    private readonly db: Db,
    private readonly options: AuditWriterOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxPending = options.maxPending ?? 100_000;
  }

  /** Queues one row, dated now. */
  record(entry: NewLogEntry): void {
    this.pending.push({ ...entry, date: new Date() });
    if (this.pending.length >= this.maxBatch) void this.flush();
    else this.schedule();
  }

  /** Writes every row recorded so far; resolves once they are committed or reported as failed. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  /**
   * Writes what is left, once: rows MySQL refuses now are reported as dropped, not retried, so a
   * stopping process is never held open by its audit rows.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.pending.length > 0) {
      this.options.onError(
        new Error('the API closed before MySQL took these audit rows'),
        this.pending.length,
      );
      this.pending = [];
    }
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.options.flushMs);
    // Waiting rows never keep the process alive: close() writes them.
    this.timer.unref();
  }

  private async writePending(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await insertLogs(this.db, batch);
      } catch (error) {
        // Kept for the next flush, oldest first, within the bound.
        this.pending.unshift(...batch);
        const dropped = Math.max(0, this.pending.length - this.maxPending);
        this.pending.splice(0, dropped);
        this.options.onError(error, dropped);
        this.schedule();
        return;
      }
    }
  }
}
