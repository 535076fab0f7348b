import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError, errnoOf, toEngineError } from './errors.js';
import { isInside, isSnapshotName, joinRelative, MANIFEST_SUFFIX, snapshotTime } from './paths.js';
import { realRoot } from './resolve.js';
import { assertValidFolder, validateFolder } from './validate-folder.js';

/** A complete snapshot of one folder: its directory and manifest both exist. */
export interface SnapshotInfo {
  name: string;
  /** Relative to the backup folder, POSIX separators. */
  snapshot: string;
  dir: string;
  manifest: string;
  time: Date;
}

/** `<backupFolder>/<folder>`, created if needed, refused if it resolves outside the backup folder. */
export async function folderDirectory(
  backupFolder: string,
  folder: string,
  create: boolean,
): Promise<string> {
  assertValidFolder(folder);
  const root = await realRoot(backupFolder);
  const dir = joinRelative(root, folder);
  if (create) {
    await fsp.mkdir(dir, { recursive: true }).catch((error: unknown) => {
      throw toEngineError(error, `creating ${dir}`);
    });
  }
  const real = await fsp.realpath(dir).catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return dir;
    throw toEngineError(error, `resolving ${dir}`);
  });
  if (!isInside(root, real) || real === root) {
    throw new EngineError(
      'OUTSIDE_SOURCE_ROOT',
      `The backup of ${folder} would be written outside the backup folder`,
    );
  }
  return real;
}

/** Complete snapshots of a folder, oldest first. */
export async function listSnapshots(folderDir: string, folder: string): Promise<SnapshotInfo[]> {
  let names: string[];
  try {
    names = await fsp.readdir(folderDir);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw toEngineError(error, `listing ${folderDir}`);
  }
  const present = new Set(names);
  const found: (SnapshotInfo & { order: bigint })[] = [];
  for (const name of names) {
    if (!isSnapshotName(name) || !present.has(name + MANIFEST_SUFFIX)) continue;
    const manifest = path.join(folderDir, name + MANIFEST_SUFFIX);
    const st = await fsp.stat(manifest, { bigint: true }).catch(() => null);
    if (!st) continue;
    found.push({
      name,
      snapshot: `${folder}/${name}`,
      dir: path.join(folderDir, name),
      manifest,
      time: snapshotTime(name),
      order: st.mtimeNs,
    });
  }
  // Names are stamped to the second; the manifest's mtime orders snapshots made within one second.
  found.sort(
    (a, b) => a.time.getTime() - b.time.getTime() || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0),
  );
  return found.map(({ order: _order, ...info }) => info);
}

/**
 * Locates a snapshot given as in BackupResult.snapshot (`<folder>/<name>`); throws NO_SUCH_SNAPSHOT
 * unless both its directory and its manifest exist.
 */
export async function locateSnapshot(backupFolder: string, snapshot: string): Promise<SnapshotInfo> {
  const missing = () => new EngineError('NO_SUCH_SNAPSHOT', `No such snapshot: ${snapshot}`);
  if (typeof snapshot !== 'string' || validateFolder(snapshot) !== null) throw missing();
  const slash = snapshot.lastIndexOf('/');
  const name = snapshot.slice(slash + 1);
  const folder = snapshot.slice(0, Math.max(slash, 0));
  if (slash < 0 || !isSnapshotName(name)) throw missing();
  const folderDir = await folderDirectory(backupFolder, folder, false);
  const dir = path.join(folderDir, name);
  const manifest = dir + MANIFEST_SUFFIX;
  const [d, m] = await Promise.all([fsp.lstat(dir).catch(() => null), fsp.lstat(manifest).catch(() => null)]);
  if (!d?.isDirectory() || !m?.isFile()) throw missing();
  return { name, snapshot, dir, manifest, time: snapshotTime(name) };
}

export async function snapshotExists(backupFolder: string, snapshot: string): Promise<boolean> {
  try {
    await locateSnapshot(backupFolder, snapshot);
    return true;
  } catch (error) {
    if (
      error instanceof EngineError &&
      (error.code === 'NO_SUCH_SNAPSHOT' || error.code === 'INVALID_FOLDER')
    ) {
      return false;
    }
    throw error;
  }
}
