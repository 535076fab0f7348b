import { randomBytes } from 'node:crypto';
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { copyTree } from './copy-tree.js';
import { EngineError, errnoOf, toEngineError } from './errors.js';
import { DIR_FLAGS, fdPath } from './fd-path.js';
import { syncFilesystem } from './flush.js';
import { acquirePool, CancelToken, releasePool } from './pool.js';
import { ProgressThrottle } from './progress.js';
import { removeTree } from './remove-tree.js';
import type { RestoreRequest, RestoreResult } from './repository/repository.js';
import { BeneathWalk } from './resolve.js';
import { addTally, newCounters } from './tally.js';
import { assertValidFolder, validateFolder } from './validate-folder.js';

/** Where the copy is made before it is renamed into place: a short name, whatever the target's. */
const STAGING_PREFIX = '.strongbox-restore-';

/** A snapshot's tree, found by its repository: its name, and the directory holding it. */
export interface SnapshotTree {
  snapshot: string;
  dir: string;
}

/** Checks a restore's target and path, before anything is looked for. */
export function checkRestoreRequest(snapshot: string, options: RestoreRequest): void {
  assertValidFolder(options.target);
  if (options.path !== undefined && options.path !== '' && validateFolder(options.path) !== null) {
    throw missingPathError(snapshot, options.path);
  }
}

function missingPathError(snapshot: string, path: string | undefined): EngineError {
  return new EngineError('NO_SUCH_PATH', `No such path in snapshot ${snapshot}: ${path}`);
}

/**
 * Writes a snapshot, or one path in it, to `<sourceRoot>/<target>` with modes and mtimes: into a
 * staging directory beside the target, flushed, then renamed. Never overwrites. The target is
 * reached with a BeneathWalk (never through a symlink leading out of the source root); a restore
 * that fails leaves nothing behind, not even the parent directories it created. The request was
 * checked (checkRestoreRequest) before the snapshot was located.
 */
export async function restoreTree(snap: SnapshotTree, options: RestoreRequest): Promise<RestoreResult> {
  const started = performance.now();
  const missingPath = () => missingPathError(snap.snapshot, options.path);
  const selected = options.path ? options.path.split('/') : [];
  const source = await lstatInside(snap.dir, selected, missingPath, snap.snapshot);
  const sourcePath = path.join(snap.dir, ...selected);

  const targetSegments = options.target.split('/');
  const name = targetSegments.pop()!;
  const walk = await BeneathWalk.start(options.sourceRoot, {
    missing: () => new EngineError('NO_SUCH_DIRECTORY', `No such directory: ${options.target}`),
    notADirectory: () => new EngineError('NOT_A_DIRECTORY', `Not a directory: ${options.target}`),
    outside: () => new EngineError('OUTSIDE_SOURCE_ROOT', `Outside the source root: ${options.target}`),
    tooLong: () =>
      new EngineError(
        'INVALID_FOLDER',
        `A name in the target is longer than the filesystem allows: ${options.target}`,
      ),
    doing: `restoring to ${options.target}`,
  });
  const exists = () => new EngineError('TARGET_EXISTS', `Target already exists: ${options.target}`);

  const counters = newCounters();
  const progress = new ProgressThrottle(options.onProgress, () => ({
    filesDone: counters.files,
    bytesDone: counters.bytes + counters.partialBytes,
  }));
  const pool = acquirePool(2);
  const cancel = new CancelToken();
  let handle: fsp.FileHandle | undefined;
  let staging: string | undefined;
  let placed = false;
  try {
    await walk.descend(targetSegments, true);
    const parent = walk.current;
    if (await walk.has(name)) throw exists();

    staging = fdPath(parent.fd, `${STAGING_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    await fsp.mkdir(staging, { mode: 0o700 });
    // Inside the staging directory: the copy of a directory as `tree`, a file or symlink under its own name.
    const entry = source.isDirectory() ? `${staging}/tree` : `${staging}/${path.basename(sourcePath)}`;
    if (source.isDirectory()) {
      handle = await fsp.open(sourcePath, DIR_FLAGS);
      await copyTree({
        source: handle,
        dest: entry,
        pool,
        cancel,
        lines: null,
        previous: null,
        hash: false,
        counters,
        onChange: () => progress.update(),
        signal: options.signal,
      });
    } else {
      const result = await pool.run(
        {
          kind: 'batch',
          srcDir: path.dirname(sourcePath),
          destDir: staging,
          relDir: '',
          prevDir: null,
          hash: false,
          maxFileSize: null,
          entries: [{ name: path.basename(sourcePath), file: false, prev: null }],
        },
        cancel,
      );
      addTally(counters, result);
    }
    if (counters.warningCount > 0) {
      throw new EngineError(
        'IO_ERROR',
        `Could not restore everything: ${counters.warnings.slice(0, 5).join('; ')}`,
        { details: { warnings: counters.warnings } },
      );
    }
    if (options.signal?.aborted) throw options.signal.reason;
    await syncFilesystem(await fsp.readlink(fdPath(parent.fd)));
    await placeWithoutOverwrite(entry, fdPath(parent.fd, name), source, exists);
    placed = true;
    await parent.sync();
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw toEngineError(error, `restoring ${snap.snapshot} to ${options.target}`);
  } finally {
    await handle?.close();
    cancel.cancel();
    releasePool(pool);
    if (staging) await removeTree(staging).catch(() => {});
    if (!placed) await walk.removeCreated();
    await walk.close();
  }
  progress.finish();
  return {
    target: options.target,
    files: counters.files,
    bytes: counters.bytes,
    durationMs: Math.round(performance.now() - started),
  };
}

/** lstat of a path inside the snapshot, each component a real directory (no symlink followed). */
async function lstatInside(
  root: string,
  segments: string[],
  missing: () => EngineError,
  snapshot: string,
): Promise<Stats> {
  let current = root;
  let st = await fsp.lstat(current);
  for (const segment of segments) {
    if (!st.isDirectory()) throw missing();
    current = path.join(current, segment);
    st = await fsp.lstat(current).catch((error: unknown) => {
      const code = errnoOf(error);
      // No name in a snapshot is longer than the filesystem allows.
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') throw missing();
      throw toEngineError(error, `reading ${snapshot}`);
    });
  }
  return st;
}

/** Renames into place; a file uses link+unlink so that an existing target is never replaced. */
async function placeWithoutOverwrite(from: string, to: string, source: Stats, exists: () => Error) {
  try {
    if (source.isDirectory()) {
      await fsp.rename(from, to);
    } else if (source.isSymbolicLink()) {
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
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'ENOTDIR' || code === 'EISDIR') throw exists();
    throw error;
  }
}
