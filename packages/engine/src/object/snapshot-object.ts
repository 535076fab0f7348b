import { folderSchema } from '@strongbox/contract';
import { z } from 'zod';
import { FORMAT_VERSION, ID_LENGTH } from './format.js';
import { parseObject } from './json.js';
import { associatedData, damaged, open, seal } from './seal.js';

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const snapshotSchema = z.strictObject({
  version: z.literal(FORMAT_VERSION),
  folder: folderSchema,
  /** The backup job that made it; also its name, `snapshots/<jobId>`. */
  jobId: z.uuid(),
  /** When the backup read the folder (its start), ISO 8601 in UTC. */
  time: z.iso.datetime(),
  /** The id of the root directory's tree blob. */
  tree: z.string().regex(new RegExp(`^[0-9a-f]{${2 * ID_LENGTH}}$`)),
  /** The job id of the folder's previous snapshot, whose files this one compared against; null for a first. */
  parent: z.uuid().nullable(),
  totals: z.strictObject({ files: count, dirs: count, symlinks: count, bytes: count }),
  /** What the backup answered, so that a retry of its job that finds it answers the same. */
  result: z
    .strictObject({
      copiedFiles: count,
      copiedBytes: count,
      linkedFiles: count,
      skipped: count,
      warnings: z.array(z.string()),
      durationMs: count,
      newChunks: count.optional(),
      reusedChunks: count.optional(),
      newBytes: count.optional(),
      storedBytes: count.optional(),
      /** What the folder's policy left out (absent from snapshots made before policies). */
      excluded: z
        .strictObject({ byPattern: count, byMarker: count, bySize: count, bySizeBytes: count })
        .optional(),
    })
    .optional(),
});

/** A snapshot: the commit point of one backup, naming the root tree of its folder. */
export type SnapshotObject = z.infer<typeof snapshotSchema>;

/** The key of a snapshot under the repository prefix. */
export function snapshotPath(jobId: string): string {
  return `snapshots/${jobId}`;
}

/** The bytes of `snapshots/<jobId>`: the snapshot as JSON, sealed and bound to its job id. */
export function sealSnapshot(dataKey: Buffer, snapshot: SnapshotObject): Buffer {
  const { version, folder, jobId, time, tree, parent, totals, result } = snapshotSchema.parse(snapshot);
  const json = JSON.stringify({ version, folder, jobId, time, tree, parent, totals, result });
  return seal(dataKey, Buffer.from(json), associatedData('snapshot', jobId));
}

/**
 * The snapshot in the object `snapshots/<jobId>`: authenticated as that snapshot, then parsed and
 * checked; REPOSITORY_DAMAGED otherwise.
 */
export function openSnapshot(dataKey: Buffer, jobId: string, sealed: Buffer): SnapshotObject {
  const what = `snapshot ${jobId}`;
  const snapshot = parseObject(
    snapshotSchema,
    open(dataKey, sealed, associatedData('snapshot', jobId), what),
    what,
  );
  if (snapshot.jobId !== jobId) throw damaged(`${what} names job ${snapshot.jobId}`);
  return snapshot;
}
