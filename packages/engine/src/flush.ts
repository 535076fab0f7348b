import { execFile } from 'node:child_process';
import { constants, promises as fsp } from 'node:fs';
import { promisify } from 'node:util';
import { toEngineError } from './errors.js';

const run = promisify(execFile);
const FLUSH_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Flushes the whole filesystem that holds `dir` with one syncfs(2) (through coreutils'
 * `sync --file-system`, since Node has no binding for it): far cheaper than an fsync per file.
 * Falls back to a global sync where `sync -f` is not available.
 */
export async function syncFilesystem(dir: string): Promise<void> {
  try {
    await run('sync', ['-f', dir], { timeout: FLUSH_TIMEOUT_MS });
  } catch (first) {
    try {
      await run('sync', [], { timeout: FLUSH_TIMEOUT_MS });
    } catch {
      throw toEngineError(first, 'flushing the filesystem to disk');
    }
  }
}

/** Makes a rename in `dir` durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
