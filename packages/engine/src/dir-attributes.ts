import { promises as fsp } from 'node:fs';
import { toEngineError } from './errors.js';
import { fdPath } from './fd-path.js';
import { permissions } from './manifest-entry.js';
import { utimeSeconds } from './times.js';

/**
 * A directory being copied: source and destination held open (so deep trees never need a path
 * longer than PATH_MAX) until everything inside it is written. Its mode and mtime are set last:
 * writing its contents would move the mtime, and a read-only mode would stop them being written.
 */
export interface CopiedDirectory {
  /** Relative to the root of the copy; "" for the root. */
  rel: string;
  source: fsp.FileHandle;
  /** Whether the copy opened the source (the root's belongs to the caller). */
  ownsSource: boolean;
  dest: fsp.FileHandle;
  mode: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  parent: CopiedDirectory | null;
  /** Pieces of work inside it not yet done: its own listing, subdirectories, batches in flight. */
  pending: number;
}

export function copiedDirectory(
  parent: CopiedDirectory | null,
  rel: string,
  source: fsp.FileHandle,
  ownsSource: boolean,
  dest: fsp.FileHandle,
  st: { mode: bigint; atimeNs: bigint; mtimeNs: bigint },
): CopiedDirectory {
  if (parent) parent.pending++;
  return {
    rel,
    source,
    ownsSource,
    dest,
    mode: permissions(st),
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    parent,
    pending: 1,
  };
}

/** One piece of work inside `dir` is done; true when it was the last, and `dir` can be finished. */
export function completePiece(dir: CopiedDirectory): boolean {
  return --dir.pending === 0;
}

/** Sets the destination's mode and mtime (unless `apply` is false, after a failure), then closes both. */
export async function finishDirectory(dir: CopiedDirectory, apply: boolean): Promise<void> {
  try {
    if (!apply) return;
    await fsp.chmod(fdPath(dir.dest.fd), dir.mode);
    await fsp.utimes(fdPath(dir.dest.fd), utimeSeconds(dir.atimeNs), utimeSeconds(dir.mtimeNs));
  } catch (error) {
    throw toEngineError(error, `setting attributes of ${dir.rel || '.'}`);
  } finally {
    await dir.dest.close();
    if (dir.ownsSource) await dir.source.close();
  }
}
