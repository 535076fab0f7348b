import type { Io } from './io.js';

/** One answer of the API on one line, as it came (parsed and written back: same fields, same order). */
export function writeJson(io: Io, body: unknown): void {
  io.stdout.write(`${JSON.stringify(body)}\n`);
}
