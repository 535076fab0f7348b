import { z } from 'zod';

const count = z.number().int().nonnegative();

/**
 * One snapshot of a folder, as the catalog knows it: a backup that succeeded and whose snapshot
 * retention has not deleted. Its figures are those of the backup's result.
 */
export const snapshotSchema = z.object({
  backupId: z.string().describe('the id of the backup job that made it: what verify and restore take'),
  snapshot: z.string().describe("the snapshot's name, the backup result's `snapshot`"),
  finishedAt: z.iso.datetime().describe('when the backup finished: the time of the snapshot'),
  files: count.describe('regular files and symlinks in the snapshot'),
  bytes: count.describe('bytes of its regular files'),
});
export type Snapshot = z.infer<typeof snapshotSchema>;
