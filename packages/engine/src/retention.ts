import { promises as fsp } from 'node:fs';
import { toEngineError } from './errors.js';
import { openFolderDirectory } from './folder-directory.js';
import { listSnapshots, type SnapshotInfo } from './snapshots.js';
import { discard } from './staging.js';

export interface RetentionOptions {
  backupFolder: string;
  folder: string;
  /** Keep the newest N snapshots; 0 for no limit from this rule. */
  keepLast: number;
  /** Keep the newest snapshot of each of the last N UTC days that have snapshots; 0 for no limit. */
  keepDaily: number;
  /** Accepted for callers that pass a clock; the rules count snapshots, not calendar days. */
  now?: Date;
}

export interface RetentionResult {
  /** Snapshot paths as in BackupResult.snapshot, newest first. */
  kept: string[];
  pruned: string[];
}

/**
 * Deletes the snapshots of a folder that no rule keeps, with their manifests. A snapshot is kept if
 * any rule keeps it; the newest is always kept; with both rules 0 everything is kept. Hard links
 * make deleting an older snapshot safe for the newer ones that share its files.
 */
export async function applyRetention(options: RetentionOptions): Promise<RetentionResult> {
  const folderDir = await openFolderDirectory(options.backupFolder, options.folder, { create: false });
  if (!folderDir) return { kept: [], pruned: [] };
  try {
    const newestFirst = (await listSnapshots(folderDir)).reverse();
    const keep = selectKept(newestFirst, options.keepLast, options.keepDaily);
    const kept: string[] = [];
    const pruned: string[] = [];
    for (const s of newestFirst) {
      if (keep.has(s)) {
        kept.push(s.snapshot);
        continue;
      }
      try {
        // Manifest first: without it the directory is no longer a snapshot, and a later sweep removes
        // what an interrupted deletion left.
        await fsp.rm(s.manifest, { force: true });
        await discard(folderDir.path, s.name);
      } catch (error) {
        throw toEngineError(error, `deleting snapshot ${s.snapshot}`);
      }
      pruned.push(s.snapshot);
    }
    return { kept, pruned };
  } finally {
    await folderDir.handle.close();
  }
}

function selectKept(newestFirst: SnapshotInfo[], keepLast: number, keepDaily: number): Set<SnapshotInfo> {
  if (keepLast <= 0 && keepDaily <= 0) return new Set(newestFirst);
  const keep = new Set<SnapshotInfo>(newestFirst.slice(0, 1));
  if (keepLast > 0) for (const s of newestFirst.slice(0, keepLast)) keep.add(s);
  if (keepDaily > 0) {
    const days = new Set<string>();
    for (const s of newestFirst) {
      const day = s.time.toISOString().slice(0, 10);
      if (days.has(day)) continue;
      if (days.size >= keepDaily) break;
      days.add(day);
      keep.add(s);
    }
  }
  return keep;
}
