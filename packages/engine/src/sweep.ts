import { promises as fsp } from 'node:fs';
import { toEngineError } from './errors.js';
import { type FolderDirectory, folderOfKey, openFolderDirectory } from './folder-directory.js';
import { backupRoot } from './layout.js';
import { readHeader } from './manifest.js';
import { isSnapshotName, MANIFEST_SUFFIX, STAGING_PREFIX, TOMBSTONE_PREFIX } from './paths.js';
import { listSnapshots } from './snapshots.js';
import { type DiscardHooks, discard, isStaleStaging } from './staging.js';

/** A complete snapshot and the job its manifest says made it. */
export interface MadeSnapshot {
  /** As in BackupResult.snapshot: `<folder key>/<snapshot name>`. */
  snapshot: string;
  jobId: string;
}

export interface SweepOptions {
  backupFolder: string;
  folder: string;
  /**
   * A new attempt of this job is about to run and the caller holds the folder's lock: the staging of
   * every earlier attempt of the job is stale, whoever made it.
   */
  jobId?: string;
  /**
   * Told of the folder's complete snapshots whose manifest names the job that made it (manifest
   * version 2), and answers those of them that no job references: they are removed. A snapshot is
   * removed only when this answers it; without it, no complete snapshot is.
   */
  unreferenced?: (made: MadeSnapshot[]) => Promise<string[]>;
  /** Test seams. @internal */
  hooks?: DiscardHooks;
}

/**
 * Removes what dead attempts left in a folder's directory of the backup folder, and what a job that
 * ended otherwise left complete:
 * - tombstones (`.dead-…`): removals that were cut off;
 * - staging directories whose attempt is over (see isStaleStaging);
 * - snapshot directories without their manifest (a removal cut off after the manifest went);
 * - manifests without their directory (an attempt cut off between its two renames), when no live
 *   attempt is staging in the folder;
 * - with `unreferenced`, the complete snapshots it answers.
 * Every directory goes through a tombstone, so a kill at any point leaves nothing that looks alive.
 * @returns the names removed.
 */
export async function sweepFolder(options: SweepOptions): Promise<string[]> {
  const folderDir = await openFolderDirectory(options.backupFolder, options.folder, { create: false });
  if (!folderDir) return [];
  try {
    return await sweepDirectory(folderDir, options);
  } finally {
    await folderDir.handle.close();
  }
}

/** The folders that have a directory in the backup folder (see sweepFolder), in no order. */
export async function listBackedUpFolders(backupFolder: string): Promise<string[]> {
  const root = await backupRoot(backupFolder);
  let names: string[];
  try {
    names = await fsp.readdir(root);
  } catch (error) {
    throw toEngineError(error, 'listing the backup folder');
  }
  const folders: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const folder = await folderOfKey(backupFolder, name);
    if (folder !== null) folders.push(folder);
  }
  return folders;
}

export async function sweepDirectory(
  folderDir: FolderDirectory,
  options: Pick<SweepOptions, 'jobId' | 'unreferenced' | 'hooks'>,
): Promise<string[]> {
  try {
    return await sweepIn(folderDir, options);
  } catch (error) {
    throw toEngineError(error, `cleaning up the backup directory of ${folderDir.folder}`);
  }
}

async function sweepIn(
  folderDir: FolderDirectory,
  options: Pick<SweepOptions, 'jobId' | 'unreferenced' | 'hooks'>,
): Promise<string[]> {
  const dir = folderDir.path;
  const names = await fsp.readdir(dir);
  const present = new Set(names);
  const removed: string[] = [];
  const remove = async (name: string) => {
    if (await discard(dir, name, options.hooks)) removed.push(name);
  };
  let liveStaging = false;
  for (const name of names) {
    if (name.startsWith(TOMBSTONE_PREFIX)) await remove(name);
    else if (name.startsWith(STAGING_PREFIX)) {
      if (await isStaleStaging(folderDir, name, options.jobId)) await remove(name);
      else liveStaging = true;
    }
  }
  for (const name of names) {
    if (isSnapshotName(name) && !present.has(name + MANIFEST_SUFFIX)) {
      await remove(name);
    } else if (!liveStaging && name.endsWith(MANIFEST_SUFFIX)) {
      const snap = name.slice(0, -MANIFEST_SUFFIX.length);
      if (isSnapshotName(snap) && !present.has(snap)) {
        await fsp.rm(`${dir}/${name}`, { force: true });
        removed.push(name);
      }
    }
  }
  if (options.unreferenced) removed.push(...(await removeUnreferenced(folderDir, options)));
  return removed;
}

async function removeUnreferenced(
  folderDir: FolderDirectory,
  options: Pick<SweepOptions, 'jobId' | 'unreferenced' | 'hooks'>,
): Promise<string[]> {
  const made: (MadeSnapshot & { name: string; manifest: string })[] = [];
  for (const s of await listSnapshots(folderDir)) {
    const jobId = (await readHeader(s.manifest))?.jobId;
    // The snapshot of the job about to run is adopted by it, never removed from under it.
    if (typeof jobId === 'string' && jobId !== options.jobId) made.push({ ...s, jobId });
  }
  if (made.length === 0) return [];
  const answered = new Set(
    await options.unreferenced!(made.map(({ snapshot, jobId }) => ({ snapshot, jobId }))),
  );
  const removed: string[] = [];
  for (const s of made) {
    if (!answered.has(s.snapshot)) continue;
    // Manifest first: without it the directory is no longer a snapshot, and a sweep cut off here
    // is finished by the next one.
    await fsp.rm(s.manifest, { force: true });
    await discard(folderDir.path, s.name, options.hooks);
    removed.push(s.name);
  }
  return removed;
}
