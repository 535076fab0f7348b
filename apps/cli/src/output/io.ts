/** Where a command writes: the process's streams in use, buffers in unit tests. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Standard output is a terminal: draw a live bar rather than one line per state change. */
  isTTY: boolean;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, isTTY: process.stdout.isTTY === true };
}
