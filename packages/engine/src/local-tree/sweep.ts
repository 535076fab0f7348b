import { promises as fsp } from 'node:fs';
import { toEngineError } from '../errors.js';
import { readHeader } from '../manifest.js';
import type { MadeSnapshot, SweepRequest as SweepOptions } from '../repository/repository.js';
import {
  discard,
  type FolderDirectory,
  type Inventory,
  removeSnapshot,
  type SnapshotInfo,
} from './layout.js';
import { isStaleStaging } from './staging.js';

/**
 * Removes what dead attempts left in a folder's directory, as its inventory found it, and what a
 * job that ended otherwise left complete:
 * - tombstones (`.dead-…`): removals that were cut off;
 * - staging directories whose attempt is over (see isStaleStaging);
 * - snapshot directories without their manifest (a removal cut off after the manifest went);
 * - manifests without their directory (an attempt cut off between its two renames), when no live
 *   attempt is staging in the folder;
 * - with `unreferenced`, the complete snapshots it answers (they leave the inventory too).
 * Every directory goes through a tombstone, so a kill at any point leaves nothing that looks alive.
 * @returns the names removed.
 */
export async function sweepInventory(
  folderDir: FolderDirectory,
  inventory: Inventory,
  options: SweepOptions,
): Promise<string[]> {
  try {
    return await sweepIn(folderDir, inventory, options);
  } catch (error) {
    throw toEngineError(error, `cleaning up the backup directory of ${folderDir.folder}`);
  }
}

async function sweepIn(
  folderDir: FolderDirectory,
  inventory: Inventory,
  options: SweepOptions,
): Promise<string[]> {
  const dir = folderDir.path;
  const removed: string[] = [];
  const remove = async (name: string) => {
    if (await discard(dir, name, options.hooks)) removed.push(name);
  };
  for (const name of inventory.tombstones) await remove(name);
  let liveStaging = false;
  for (const name of inventory.staging) {
    if (await isStaleStaging(folderDir, name, options.jobId)) await remove(name);
    else liveStaging = true;
  }
  for (const name of inventory.bareDirectories) await remove(name);
  if (!liveStaging) {
    for (const name of inventory.bareManifests) {
      await fsp.rm(`${dir}/${name}`, { force: true });
      removed.push(name);
    }
  }
  if (options.unreferenced) removed.push(...(await removeUnreferenced(folderDir, inventory, options)));
  return removed;
}

async function removeUnreferenced(
  folderDir: FolderDirectory,
  inventory: Inventory,
  options: SweepOptions,
): Promise<string[]> {
  const made: (MadeSnapshot & SnapshotInfo)[] = [];
  for (const s of inventory.snapshots) {
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
    await removeSnapshot(folderDir, s, options.hooks);
    removed.push(s.name);
  }
  inventory.snapshots = inventory.snapshots.filter((s) => !answered.has(s.snapshot));
  return removed;
}
