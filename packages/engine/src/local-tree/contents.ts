import { constants, promises as fsp } from 'node:fs';
import { openChildDirectory } from '../anchored-dir.js';
import { noSuchPath, notADirectory, notAFile, oneSided, pairChange } from '../contents.js';
import { errnoOf, toEngineError } from '../errors.js';
import { DIR_FLAGS, fdPath } from '../fd-path.js';
import { ManifestReader } from '../manifest.js';
import type { ManifestEntry } from '../manifest-entry.js';
import { comparePaths } from '../paths.js';
import type { ContentChange, ContentEntry, SnapshotFile } from '../repository/repository.js';
import type { SnapshotInfo } from './layout.js';

/**
 * The entries of one directory of a local snapshot, from its manifest, read once up to the end of
 * that directory's subtree (the manifest is in walk order, so the subtree is one run of lines).
 */
export async function listManifestDirectory(snap: SnapshotInfo, dirPath: string): Promise<ContentEntry[]> {
  const reader = new ManifestReader(snap.manifest);
  try {
    const prefix = dirPath === '' ? '' : `${dirPath}/`;
    const entries: ContentEntry[] = [];
    let found = false;
    for (let entry = await reader.next(); entry !== null; entry = await reader.next()) {
      if (entry.path === dirPath) {
        if (entry.type !== 'dir') throw notADirectory(snap.snapshot, dirPath);
        found = true;
      } else if (found && !entry.path.startsWith(prefix)) {
        break;
      } else if (found) {
        const name = entry.path.slice(prefix.length);
        if (!name.includes('/')) entries.push(contentEntry(name, entry));
      } else if (comparePaths(entry.path, dirPath) > 0) {
        break;
      }
    }
    if (!found) throw noSuchPath(snap.snapshot, dirPath);
    return entries;
  } catch (error) {
    throw toEngineError(error, `listing ${dirPath || '.'} of ${snap.snapshot}`);
  } finally {
    reader.dispose();
  }
}

function contentEntry(name: string, entry: ManifestEntry): ContentEntry {
  const { type, size, mode, mtime, target } = entry;
  return target === undefined ? { name, type, size, mode, mtime } : { name, type, size, mode, mtime, target };
}

/** Errors that say a path's directory part is not there (or not a directory) in the snapshot. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

/**
 * A regular file of a local snapshot, opened through its directories one at a time, none of them
 * and not the file itself reached through a symlink: nothing outside the snapshot is ever opened.
 */
export async function openSnapshotFile(snap: SnapshotInfo, filePath: string): Promise<SnapshotFile> {
  const segments = filePath.split('/');
  const name = segments.pop()!;
  let dir = await fsp.open(snap.dir, DIR_FLAGS);
  try {
    for (const segment of segments) {
      const child = await openChildDirectory(dir, segment).catch((error: unknown) => {
        throw MISSING.has(errnoOf(error) ?? '') ? noSuchPath(snap.snapshot, filePath) : error;
      });
      await dir.close();
      dir = child;
    }
    const handle = await fsp
      .open(fdPath(dir.fd, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
      .catch((error: unknown) => {
        const code = errnoOf(error);
        // O_NOFOLLOW on a symlink: ELOOP.
        if (code === 'ELOOP') throw notAFile(snap.snapshot, filePath, 'symlink');
        throw MISSING.has(code ?? '') ? noSuchPath(snap.snapshot, filePath) : error;
      });
    const st = await handle.stat({ bigint: true });
    if (!st.isFile()) {
      await handle.close();
      throw notAFile(snap.snapshot, filePath, st.isDirectory() ? 'dir' : 'other');
    }
    return {
      size: Number(st.size),
      mode: Number(st.mode & 0o7777n),
      mtime: String(st.mtimeNs),
      stream: handle.createReadStream(),
    };
  } catch (error) {
    throw toEngineError(error, `reading ${filePath} of ${snap.snapshot}`);
  } finally {
    await dir.close();
  }
}

/** Two manifests merged line by line (both are in walk order): one pass over each. */
export async function* diffManifests(from: SnapshotInfo, to: SnapshotInfo): AsyncGenerator<ContentChange> {
  const before = new ManifestReader(from.manifest);
  const after = new ManifestReader(to.manifest);
  try {
    let a = await before.next();
    let b = await after.next();
    while (a !== null || b !== null) {
      const order = a === null ? 1 : b === null ? -1 : comparePaths(a.path, b.path);
      if (order < 0) {
        yield oneSided(a!.path, 'removed', a!);
        a = await before.next();
      } else if (order > 0) {
        yield oneSided(b!.path, 'added', b!);
        b = await after.next();
      } else {
        yield* changesAt(a!, b!);
        a = await before.next();
        b = await after.next();
      }
    }
  } finally {
    before.dispose();
    after.dispose();
  }
}

function changesAt(a: ManifestEntry, b: ManifestEntry): ContentChange[] {
  if (a.type === 'dir' && b.type === 'dir') return [];
  if (a.type === 'dir' || b.type === 'dir')
    return [oneSided(a.path, 'removed', a), oneSided(b.path, 'added', b)];
  return pairChange(a.path, a, b, sameContent(a, b));
}

/** By hash when both manifests have one (backups with hashing on, the default), else by size and mtime. */
function sameContent(a: ManifestEntry, b: ManifestEntry): boolean {
  if (a.type === 'symlink' || b.type === 'symlink') return a.target === b.target;
  if (a.size !== b.size) return false;
  if (a.hash !== undefined && b.hash !== undefined) return a.hash === b.hash;
  return a.mtime === b.mtime;
}
