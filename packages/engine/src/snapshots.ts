import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError, errnoOf, toEngineError } from './errors.js';
import type { FolderDirectory } from './folder-directory.js';
import { isFolderKey } from './folder-key.js';
import { backupRoot } from './layout.js';
import { isSnapshotName, MANIFEST_SUFFIX, snapshotTime } from './paths.js';

/** A complete snapshot of one folder: its directory and manifest both exist. */
export interface SnapshotInfo {
  name: string;
  /** Relative to the backup folder: `<folder key>/<snapshot name>`. */
  snapshot: string;
  dir: string;
  manifest: string;
  time: Date;
}

/** Complete snapshots of a folder, oldest first. */
export async function listSnapshots(folderDir: FolderDirectory): Promise<SnapshotInfo[]> {
  let names: string[];
  try {
    names = await fsp.readdir(folderDir.path);
  } catch (error) {
    throw toEngineError(error, `listing the snapshots of ${folderDir.folder}`);
  }
  const present = new Set(names);
  const found: (SnapshotInfo & { order: bigint })[] = [];
  for (const name of names) {
    if (!isSnapshotName(name) || !present.has(name + MANIFEST_SUFFIX)) continue;
    const manifest = `${folderDir.path}/${name}${MANIFEST_SUFFIX}`;
    const st = await fsp.stat(manifest, { bigint: true }).catch(() => null);
    if (!st) continue;
    found.push({
      name,
      snapshot: `${folderDir.key}/${name}`,
      dir: `${folderDir.path}/${name}`,
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
 * Locates a snapshot given as in BackupResult.snapshot (`<folder key>/<snapshot name>`); throws
 * NO_SUCH_SNAPSHOT unless both its directory and its manifest exist, each a real directory or file
 * (never reached through a symlink).
 */
export async function locateSnapshot(backupFolder: string, snapshot: string): Promise<SnapshotInfo> {
  const missing = () => new EngineError('NO_SUCH_SNAPSHOT', `No such snapshot: ${snapshot}`);
  const root = await backupRoot(backupFolder);
  const parts = typeof snapshot === 'string' ? snapshot.split('/') : [];
  const [key, name] = parts;
  if (parts.length !== 2 || !key || !name || !isFolderKey(key) || !isSnapshotName(name)) throw missing();
  const dir = path.join(root, key, name);
  const manifest = dir + MANIFEST_SUFFIX;
  const kinds = await Promise.all(
    [path.join(root, key), dir, manifest].map((p) =>
      fsp.lstat(p).catch((error: unknown) => {
        if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return null;
        throw toEngineError(error, `looking for snapshot ${snapshot}`);
      }),
    ),
  );
  const [keyStat, dirStat, manifestStat] = kinds;
  if (!keyStat?.isDirectory() || !dirStat?.isDirectory() || !manifestStat?.isFile()) throw missing();
  return { name, snapshot, dir, manifest, time: snapshotTime(name) };
}

export async function snapshotExists(backupFolder: string, snapshot: string): Promise<boolean> {
  try {
    await locateSnapshot(backupFolder, snapshot);
    return true;
  } catch (error) {
    if (error instanceof EngineError && error.code === 'NO_SUCH_SNAPSHOT') return false;
    throw error;
  }
}
