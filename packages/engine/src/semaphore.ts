/**
 * Bounds how much work is in flight: `acquire` before starting a piece, `release` when it ends.
 * `close` wakes every waiter for good (after a failure), and they check why.
 */
export class Semaphore {
  private available: number;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(limit: number) {
    this.available = Math.max(1, limit);
  }

  /** Resolves once a slot is taken, or at once when closed (no slot is taken then). */
  async acquire(): Promise<void> {
    if (this.closed) return;
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.available++;
  }

  close(): void {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
  }
}
