import { z } from 'zod';
import { folderPolicySchema } from './policy.js';

const count = z.number().int().nonnegative();
const snapshot = z
  .string()
  .describe(
    "the snapshot: relative to BACKUP_FOLDER for the local tree, the backup's job id in the object repository",
  );
const durationMs = z.number().nonnegative();

/** Bytes of `exclude` lines a backup result records at most (a job's result is one TEXT column). */
export const RECORDED_EXCLUDE_BYTES = 16 * 1024;

/**
 * The folder policy a backup applied, as the worker read it when the backup started: the policy
 * itself, when it was set, and how many `exclude` lines were too many to record here (the backup
 * applied them all; `GET /folders/{folder}/policy` shows them while the policy is unchanged).
 */
export const appliedPolicySchema = folderPolicySchema.extend({
  updatedAt: z.iso
    .datetime()
    .nullable()
    .describe(
      'when the policy was last set; null: the folder had none (nothing left out, default retention)',
    ),
  excludeOmitted: count.describe(
    `exclude lines left out of this record, past the first ${RECORDED_EXCLUDE_BYTES} bytes of them`,
  ),
});
export type AppliedPolicy = z.infer<typeof appliedPolicySchema>;

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
  newBytes: count
    .optional()
    .describe('object repository only: the bytes of the new chunks before compression'),
  storedBytes: count
    .optional()
    .describe('object repository only: what the new chunks take in the repository, compressed and encrypted'),
  excluded: z
    .object({
      byPattern: count.describe(
        'entries an exclude pattern left out; a directory counts once, what it holds is not read',
      ),
      byMarker: count.describe('directories left out because they hold an excludeIfPresent marker'),
      bySize: count.describe('regular files larger than maxFileSize'),
      bySizeBytes: count.describe('the bytes of those files'),
    })
    .optional()
    .describe("what the folder's policy left out; absent from backups made before policies"),
  policy: appliedPolicySchema
    .optional()
    .describe('the folder policy this backup applied; absent from backups made before policies'),
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

/** What a check of the object repository can find; `damage` ones fail it (docs/repository.md). */
export const CHECK_FINDING_CODES = [
  'PACK_MISSING',
  'PACK_DAMAGED',
  'BLOB_MISSING',
  'BLOB_DAMAGED',
  'BLOB_MISPLACED',
  'BLOB_UNRECORDED',
  'SNAPSHOT_DAMAGED',
  'PACK_UNREFERENCED',
  'PACK_UNRECORDED',
] as const;

export const checkFindingSchema = z.object({
  code: z.enum(CHECK_FINDING_CODES),
  damage: z.boolean().describe('true: a snapshot may not read whole, and the check fails; false: a notice'),
  message: z.string(),
  pack: z.string().nullable().describe('the pack concerned, as its object name (data/3f/3f2a…)'),
  blob: z.string().nullable().describe('the blob concerned, 64 hex digits'),
  snapshots: z.array(z.string()).describe('the job ids of the snapshots it affects, sorted'),
});
export type CheckFinding = z.infer<typeof checkFindingSchema>;

export const checkResultSchema = z.object({
  ok: z.boolean().describe('no finding is damage'),
  readData: z
    .union([z.enum(['none', 'all']), z.number().int().min(1).max(100)])
    .describe('how much pack data was read: none (headers only), all, or a percentage of the packs'),
  snapshots: count.describe('snapshot objects listed'),
  packs: count.describe('packs in the repository when it was listed'),
  referencedBlobs: count.describe('distinct tree and data blobs the snapshots reference'),
  packsRead: count.describe('packs read whole, every blob authenticated and its id hashed again'),
  bytesRead: count,
  orphans: z
    .object({ packs: count, bytes: count })
    .describe('packs that hold no blob a snapshot references (a prune collects them)'),
  findings: z.array(checkFindingSchema).describe('sorted by code, pack and blob; the first 1000'),
  findingsTotal: count,
  durationMs,
});
export type CheckResult = z.infer<typeof checkResultSchema>;

export const pruneResultSchema = z.object({
  packsDeleted: count.describe('packs deleted: condemned by an earlier prune and still unreferenced'),
  bytesDeleted: count,
  packsRepacked: count.describe(
    'packs mostly garbage whose chunks in use were copied into new packs (then condemned)',
  ),
  bytesRepacked: count,
  packsWritten: count.describe('new packs written by repacking'),
  bytesWritten: count,
  packsCondemned: count.describe('packs condemned now, to be deleted by a later prune'),
  blobsCondemned: count.describe('blobs in the packs condemned now that no snapshot references'),
  packsRescued: count.describe('condemned packs taken back: a snapshot references them again'),
  packsWaiting: count.describe(
    'condemned packs left for a later prune: a backup that might use them was running',
  ),
  runningBackups: count.describe(
    'backups running when the prune marked; the packs they stored were left alone',
  ),
  durationMs,
});
export type PruneResult = z.infer<typeof pruneResultSchema>;

/** The `result` of a job that succeeded (or, for a check that found damage, failed), by kind. */
export const JOB_RESULT_SCHEMAS = {
  backup: backupResultSchema,
  verify: verifyResultSchema,
  restore: restoreResultSchema,
  check: checkResultSchema,
  prune: pruneResultSchema,
} as const;

/** The result of a job of kind `K`. */
export type ResultOf<K extends keyof typeof JOB_RESULT_SCHEMAS> = z.infer<(typeof JOB_RESULT_SCHEMAS)[K]>;
