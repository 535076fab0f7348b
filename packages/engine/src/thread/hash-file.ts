import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { CHUNK, chunkBuffer } from './chunk.js';
import { type TaskContext, TaskFailure } from './context.js';
import { READ_FLAGS } from './copy-batch.js';
import type { HashResult, HashTask } from './messages.js';

/** SHA-256 and size of one file, read to its end; a symlink or FIFO in its place is refused. */
export function hashFile(task: HashTask, context: TaskContext): HashResult {
  let fd: number;
  try {
    fd = fs.openSync(task.path, READ_FLAGS);
  } catch (error) {
    throw new TaskFailure('reading', undefined, error);
  }
  try {
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      context.checkCancel();
      const n = fs.readSync(fd, chunkBuffer, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? chunkBuffer : chunkBuffer.subarray(0, n));
      size += n;
    }
    return { hash: hash.digest('hex'), size };
  } finally {
    fs.closeSync(fd);
  }
}
