import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError, errnoOf, toEngineError } from './errors.js';
import { isInside } from './paths.js';
import { assertValidFolder } from './validate-folder.js';

export interface ResolvedDirectory {
  /** Real path of the source root. */
  root: string;
  /** Real path of the directory, inside root. */
  path: string;
  /** The directory, opened without following a final symlink; the caller closes it. */
  handle: fsp.FileHandle;
  dev: bigint;
  ino: bigint;
}

/**
 * Resolves `folder` inside `sourceRoot` one component at a time, so that a symlink anywhere in it
 * that leads outside is refused, then opens the result and checks (through the kernel's own view
 * of the open descriptor) that it is still the directory that was resolved.
 */
export async function resolveSourceDirectory(sourceRoot: string, folder: string): Promise<ResolvedDirectory> {
  assertValidFolder(folder);
  const root = await realRoot(sourceRoot);
  const real = await resolveExisting(root, folder.split('/'), folder);
  return openDirectoryInside(root, real, folder);
}

/** The real path of a root folder; a missing root is reported as an I/O error (configuration). */
export async function realRoot(root: string): Promise<string> {
  try {
    return await fsp.realpath(root);
  } catch (error) {
    throw toEngineError(error, `resolving the root folder ${root}`);
  }
}

/**
 * Walks `segments` below `root`, following symlinks only where their real target stays inside root.
 * Every segment must exist; the result must be a directory.
 */
async function resolveExisting(root: string, segments: string[], shown: string): Promise<string> {
  let current = root;
  for (const segment of segments) {
    const next = path.join(current, segment);
    let st: Awaited<ReturnType<typeof fsp.lstat>>;
    try {
      st = await fsp.lstat(next);
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT') throw new EngineError('NO_SUCH_DIRECTORY', `No such directory: ${shown}`);
      if (code === 'ENOTDIR') throw new EngineError('NOT_A_DIRECTORY', `Not a directory: ${shown}`);
      throw toEngineError(error, `resolving ${shown}`);
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = await fsp.realpath(next);
      } catch (error) {
        const code = errnoOf(error);
        if (code === 'ENOENT' || code === 'ELOOP') {
          throw new EngineError('NO_SUCH_DIRECTORY', `No such directory: ${shown}`);
        }
        if (code === 'ENOTDIR') throw new EngineError('NOT_A_DIRECTORY', `Not a directory: ${shown}`);
        throw toEngineError(error, `resolving ${shown}`);
      }
      if (!isInside(root, target)) {
        throw new EngineError('OUTSIDE_SOURCE_ROOT', `Outside the source root: ${shown}`);
      }
      current = target;
    } else {
      current = next;
    }
  }
  const st = await fsp.stat(current).catch((error: unknown) => {
    throw toEngineError(error, `resolving ${shown}`);
  });
  if (!st.isDirectory()) throw new EngineError('NOT_A_DIRECTORY', `Not a directory: ${shown}`);
  return current;
}

async function openDirectoryInside(root: string, real: string, shown: string): Promise<ResolvedDirectory> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(real, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') throw new EngineError('NO_SUCH_DIRECTORY', `No such directory: ${shown}`);
    if (code === 'ENOTDIR' || code === 'ELOOP') {
      // Swapped for a file or a symlink since it was resolved.
      throw new EngineError('NOT_A_DIRECTORY', `Not a directory: ${shown}`);
    }
    throw toEngineError(error, `opening ${shown}`);
  }
  try {
    // Ask the kernel where the descriptor really points: a component swapped for a symlink between
    // resolving and opening shows up here.
    const opened = await fsp.readlink(`/proc/self/fd/${handle.fd}`).catch(() => real);
    if (!isInside(root, opened)) {
      throw new EngineError('OUTSIDE_SOURCE_ROOT', `Outside the source root: ${shown}`);
    }
    const st = await handle.stat({ bigint: true });
    return { root, path: opened, handle, dev: st.dev, ino: st.ino };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Resolves the parent of a restore target inside `sourceRoot`, creating missing directories one at a
 * time (never through a symlink that leads outside). Returns the real parent path.
 */
export async function ensureParentInside(sourceRoot: string, target: string): Promise<string> {
  const root = await realRoot(sourceRoot);
  const segments = target.split('/');
  segments.pop();
  let current = root;
  for (const segment of segments) {
    const next = path.join(current, segment);
    try {
      await fsp.mkdir(next);
      current = next;
      continue;
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw toEngineError(error, `creating ${next}`);
    }
    const real = await fsp.realpath(next).catch((error: unknown) => {
      throw toEngineError(error, `resolving ${target}`);
    });
    if (!isInside(root, real))
      throw new EngineError('OUTSIDE_SOURCE_ROOT', `Outside the source root: ${target}`);
    const st = await fsp.stat(real);
    if (!st.isDirectory()) throw new EngineError('NOT_A_DIRECTORY', `Not a directory: ${target}`);
    current = real;
  }
  return current;
}
