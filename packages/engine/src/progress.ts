/** Progress of a long operation; totals are null until the counting pass has finished. */
export interface Progress {
  filesDone: number;
  filesTotal: number | null;
  bytesDone: number;
  bytesTotal: number | null;
}

const INTERVAL_MS = 250;

/** Calls `onProgress` at most every 250 ms, plus a final call from `finish`. */
export class ProgressThrottle {
  private last = 0;
  filesTotal: number | null = null;
  bytesTotal: number | null = null;

  constructor(
    private readonly onProgress: ((p: Progress) => void) | undefined,
    private readonly read: () => { filesDone: number; bytesDone: number },
  ) {}

  update(): void {
    if (!this.onProgress) return;
    const now = Date.now();
    if (now - this.last < INTERVAL_MS) return;
    this.last = now;
    this.emit(false);
  }

  finish(): void {
    this.emit(true);
  }

  private emit(final: boolean): void {
    if (!this.onProgress) return;
    const { filesDone, bytesDone } = this.read();
    // Totals come from a separate counting pass over a live tree: never report less than done,
    // and at the end report exactly what was done.
    const filesTotal = final
      ? filesDone
      : this.filesTotal === null
        ? null
        : Math.max(this.filesTotal, filesDone);
    const bytesTotal = final
      ? bytesDone
      : this.bytesTotal === null
        ? null
        : Math.max(this.bytesTotal, bytesDone);
    try {
      this.onProgress({ filesDone, filesTotal, bytesDone, bytesTotal });
    } catch {
      // A failing progress callback must not fail the backup.
    }
  }
}
