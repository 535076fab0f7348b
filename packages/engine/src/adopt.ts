import type { BackupResult } from './backup.js';
import type { FolderDirectory } from './folder-directory.js';
import { readHeader, readTrailer } from './manifest.js';
import type { ManifestTrailer } from './manifest-entry.js';
import { listSnapshots } from './snapshots.js';

/**
 * The result of the job's own complete snapshot, when an earlier attempt of it got as far as
 * renaming one into place (and was cut off before its end was recorded): the newest snapshot of the
 * folder whose manifest names the job and whose trailer holds the result (manifest version 2).
 */
export async function adoptableResult(
  folderDir: FolderDirectory,
  jobId: string,
): Promise<BackupResult | null> {
  const snapshots = await listSnapshots(folderDir);
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const s = snapshots[i]!;
    if ((await readHeader(s.manifest))?.jobId !== jobId) continue;
    const result = resultOf(s.snapshot, await readTrailer(s.manifest));
    if (result) return result;
  }
  return null;
}

function resultOf(snapshot: string, trailer: ManifestTrailer | null): BackupResult | null {
  if (!trailer) return null;
  const { files, bytes, copiedFiles, copiedBytes, linkedFiles, skipped, warnings, durationMs } = trailer;
  if (
    copiedFiles === undefined ||
    copiedBytes === undefined ||
    linkedFiles === undefined ||
    skipped === undefined ||
    warnings === undefined ||
    durationMs === undefined
  ) {
    return null;
  }
  return { snapshot, files, bytes, copiedFiles, copiedBytes, linkedFiles, skipped, warnings, durationMs };
}
