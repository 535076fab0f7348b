import { z } from 'zod';

const count = z.number().int().nonnegative();
const snapshot = z
  .string()
  .describe(
    "the snapshot: relative to BACKUP_FOLDER for the local tree, the backup's job id in the object repository",
  );
const durationMs = z.number().nonnegative();

export const backupResultSchema = z.object({
  snapshot,
  files: count.describe('regular files and symlinks in the snapshot'),
  bytes: count.describe('bytes of its regular files'),
  copiedFiles: count.describe('read and written this time'),
  copiedBytes: count,
  linkedFiles: count.describe("hard-linked, unchanged since the folder's previous snapshot"),
  skipped: count.describe('sockets, FIFOs, devices, and entries that vanished or could not be read'),
  warnings: z.array(z.string()).describe('the first 100 of those, one line each'),
  durationMs,
  newChunks: count
    .optional()
    .describe('object repository only: content chunks the repository lacked, stored by this backup'),
  reusedChunks: count
    .optional()
    .describe("object repository only: the snapshot's chunks the repository held already"),
  newBytes: count.optional().describe('object repository only: the bytes of the new chunks before compression'),
  storedBytes: count
    .optional()
    .describe('object repository only: what the new chunks take in the repository, compressed and encrypted'),
});
export type BackupResult = z.infer<typeof backupResultSchema>;

export const verifyResultSchema = z.object({ snapshot, files: count, bytes: count, durationMs });
export type VerifyResult = z.infer<typeof verifyResultSchema>;

export const restoreResultSchema = z.object({
  snapshot,
  path: z.string().nullable().describe('the path restored; null for the whole snapshot'),
  target: z.string().describe('relative to SOURCE_ROOT'),
  files: count,
  bytes: count,
  durationMs,
});
export type RestoreResult = z.infer<typeof restoreResultSchema>;

/** The `result` of a job that succeeded, by kind. */
export const JOB_RESULT_SCHEMAS = {
  backup: backupResultSchema,
  verify: verifyResultSchema,
  restore: restoreResultSchema,
} as const;

/** The result of a job of kind `K`. */
export type ResultOf<K extends keyof typeof JOB_RESULT_SCHEMAS> = z.infer<(typeof JOB_RESULT_SCHEMAS)[K]>;
