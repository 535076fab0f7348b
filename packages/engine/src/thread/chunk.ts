export const CHUNK = 1024 * 1024;

/** The read buffer of this thread, shared by its tasks: a thread runs one task at a time. */
export const chunkBuffer = Buffer.allocUnsafe(CHUNK);
