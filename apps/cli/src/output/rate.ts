/**
 * Copy speed over the last few seconds, and the time left at that speed. Fed with each answer
 * while a job runs. Only answers with new figures count: the workers record progress about once
 * a second and the client asks more often, so the same figures again say nothing about the speed.
 */
export class Rate {
  readonly #windowMs: number;
  #samples: { at: number; bytes: number }[] = [];

  constructor(windowMs = 5000) {
    this.#windowMs = windowMs;
  }

  add(bytes: number, at: number): void {
    const last = this.#samples.at(-1);
    if (last !== undefined && bytes === last.bytes) return;
    // A retried job starts over from zero: the old samples say nothing about the new attempt.
    if (last !== undefined && bytes < last.bytes) this.#samples = [];
    this.#samples.push({ at, bytes });
    // Keep one sample older than the window, so that the window is always spanned.
    while (this.#samples.length > 2 && this.#samples[1]!.at <= at - this.#windowMs) this.#samples.shift();
  }

  /** Bytes per second, or null before two samples some time apart. */
  bytesPerSecond(): number | null {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined || last.at <= first.at) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  /** Milliseconds until `total` at the current speed; null while unknown (no total, no speed). */
  remainingMs(total: number | null): number | null {
    const speed = this.bytesPerSecond();
    const last = this.#samples.at(-1);
    if (total === null || speed === null || speed <= 0 || last === undefined) return null;
    return (Math.max(0, total - last.bytes) * 1000) / speed;
  }
}
