import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { addWarning, copyTree, newCounters } from './copy-tree.js';
import { EngineError, errnoOf, toEngineError } from './errors.js';
import { fsyncDirectory, syncFilesystem } from './flush.js';
import { acquirePool, CancelToken, releasePool } from './pool.js';
import { type Progress, ProgressThrottle } from './progress.js';
import { ensureParentInside } from './resolve.js';
import { locateSnapshot } from './snapshots.js';
import { removeTree } from './staging.js';
import { assertValidFolder, validateFolder } from './validate-folder.js';

export interface RestoreOptions {
  backupFolder: string;
  /** As in BackupResult.snapshot. */
  snapshot: string;
  sourceRoot: string;
  /** Relative to sourceRoot; must not exist yet. Missing parent directories are created. */
  target: string;
  /** One file or directory inside the snapshot (relative, POSIX); the whole snapshot when absent. */
  path?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface RestoreResult {
  /** As given. */
  target: string;
  files: number;
  bytes: number;
  durationMs: number;
}

/**
 * Writes a snapshot, or one path in it, to `<sourceRoot>/<target>` with modes and mtimes: into a
 * staging name beside the target, flushed, then renamed. Never overwrites.
 */
export async function restoreSnapshot(o: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  assertValidFolder(o.target);
  if (o.path !== undefined && o.path !== '' && validateFolder(o.path) !== null) {
    throw new EngineError('NO_SUCH_PATH', `No such path in snapshot ${o.snapshot}: ${o.path}`);
  }
  const snap = await locateSnapshot(o.backupFolder, o.snapshot);
  const selected = o.path ? o.path.split('/') : [];
  const source = await lstatInside(snap.dir, selected, o);

  const parent = await ensureParentInside(o.sourceRoot, o.target);
  const name = path.basename(o.target);
  const targetPath = path.join(parent, name);
  const exists = () => new EngineError('TARGET_EXISTS', `Target already exists: ${o.target}`);
  if (
    await fsp.lstat(targetPath).then(
      () => true,
      () => false,
    )
  )
    throw exists();

  const staging = path.join(parent, `.${name}.restore-${process.pid}-${randomBytes(4).toString('hex')}`);
  const counters = newCounters();
  const progress = new ProgressThrottle(o.onProgress, () => ({
    filesDone: counters.files,
    bytesDone: counters.bytes + counters.partialBytes,
  }));
  const pool = acquirePool(2);
  const cancel = new CancelToken();
  let handle: fsp.FileHandle | undefined;
  let done = false;
  try {
    const sourcePath = path.join(snap.dir, ...selected);
    if (source.isDirectory()) {
      handle = await fsp.open(sourcePath, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      await copyTree({
        source: handle,
        dest: staging,
        pool,
        cancel,
        lines: null,
        previous: null,
        hash: false,
        counters,
        onChange: () => progress.update(),
        signal: o.signal,
      });
    } else {
      const r = await pool.run<{ files: number; bytes: number; warnings: string[] }>(
        {
          kind: 'batch',
          srcDir: path.dirname(sourcePath),
          destDir: parent,
          relDir: '',
          prevDir: null,
          hash: false,
          entries: [
            { name: path.basename(sourcePath), destName: path.basename(staging), file: false, prev: null },
          ],
        },
        cancel,
      );
      counters.files += r.files;
      counters.bytes += r.bytes;
      for (const w of r.warnings) addWarning(counters, w);
    }
    if (counters.warningCount > 0) {
      throw new EngineError(
        'IO_ERROR',
        `Could not restore everything: ${counters.warnings.slice(0, 5).join('; ')}`,
        {
          details: { warnings: counters.warnings },
        },
      );
    }
    if (o.signal?.aborted) throw o.signal.reason;
    await syncFilesystem(parent);
    await placeWithoutOverwrite(staging, targetPath, source.isDirectory(), exists);
    done = true;
    await fsyncDirectory(parent);
  } catch (error) {
    if (o.signal?.aborted) throw o.signal.reason;
    throw toEngineError(error, `restoring ${o.snapshot} to ${o.target}`);
  } finally {
    await handle?.close();
    cancel.cancel();
    releasePool(pool);
    if (!done) await removeTree(staging).catch(() => {});
  }
  progress.finish();
  return {
    target: o.target,
    files: counters.files,
    bytes: counters.bytes,
    durationMs: Math.round(performance.now() - started),
  };
}

/** lstat of a path inside the snapshot, each component a real directory (no symlink followed). */
async function lstatInside(root: string, segments: string[], o: RestoreOptions) {
  let current = root;
  const missing = () => new EngineError('NO_SUCH_PATH', `No such path in snapshot ${o.snapshot}: ${o.path}`);
  let st = await fsp.lstat(current);
  for (const segment of segments) {
    if (!st.isDirectory()) throw missing();
    current = path.join(current, segment);
    st = await fsp.lstat(current).catch((error: unknown) => {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') throw missing();
      throw toEngineError(error, `reading ${o.snapshot}`);
    });
  }
  return st;
}

/** Renames into place; a file uses link+unlink so that an existing target is never replaced. */
async function placeWithoutOverwrite(from: string, to: string, isDirectory: boolean, exists: () => Error) {
  try {
    if (isDirectory) {
      await fsp.rename(from, to);
    } else {
      const st = await fsp.lstat(from);
      if (st.isSymbolicLink()) {
        if (
          await fsp.lstat(to).then(
            () => true,
            () => false,
          )
        )
          throw exists();
        await fsp.rename(from, to);
      } else {
        await fsp.link(from, to);
        await fsp.unlink(from);
      }
    }
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'ENOTDIR' || code === 'EISDIR') throw exists();
    throw error;
  }
}
