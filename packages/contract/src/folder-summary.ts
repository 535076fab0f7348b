import { z } from 'zod';
import { folderPolicySchema } from './policy.js';
import { scheduleSchema } from './schedule.js';
import { snapshotSchema } from './snapshot.js';

const count = z.number().int().nonnegative();

/** The newest backup of a folder that ran to its end. */
export const lastBackupSchema = z.object({
  id: z.string().describe('the backup job'),
  status: z.enum(['succeeded', 'failed']),
  finishedAt: z.iso.datetime(),
  errorCode: z.string().nullable().describe('the error code of a failed backup; null when it succeeded'),
  addedBytes: count
    .nullable()
    .describe(
      "what the backup added to the repository, in bytes before compression: its result's newBytes in the object repository, copiedBytes in the local tree; null when it failed",
    ),
});
export type LastBackup = z.infer<typeof lastBackupSchema>;

/**
 * A folder that has a job, a schedule or a policy, with what an operator looks at first. Kept up to
 * date as jobs are recorded and end, schedules are made and deleted, and policies are set.
 */
export const folderSummarySchema = z
  .object({
    folder: z.string(),
    lastBackup: lastBackupSchema
      .nullable()
      .describe(
        'the newest backup that succeeded or failed (cancelled ones never ran); null before the first',
      ),
    lastSuccessAt: z.iso.datetime().nullable().describe('when its newest successful backup ended'),
    snapshotCount: count.describe('its snapshots: backups that succeeded and that retention has not deleted'),
    latestSnapshot: snapshotSchema
      .nullable()
      .describe('its newest snapshot, with its size (bytes); null when it has none'),
    scheduleCount: count.describe('its schedules, paused ones included'),
    hasPolicy: z.boolean().describe('whether a policy is stored for it'),
  })
  .meta({
    examples: [
      {
        folder: 'photos/2024',
        lastBackup: {
          id: '354d99af-113a-43e3-839e-bc62ea4f1393',
          status: 'succeeded',
          finishedAt: '2026-11-22T02:00:33.754Z',
          errorCode: null,
          addedBytes: 52428,
        },
        lastSuccessAt: '2026-11-22T02:00:33.754Z',
        snapshotCount: 14,
        latestSnapshot: {
          backupId: '354d99af-113a-43e3-839e-bc62ea4f1393',
          snapshot: 'photos%2F2024/20261122T020033Z-354d99',
          finishedAt: '2026-11-22T02:00:33.754Z',
          files: 120,
          bytes: 123456,
        },
        scheduleCount: 1,
        hasPolicy: true,
      },
    ],
  });
export type FolderSummary = z.infer<typeof folderSummarySchema>;

/** One folder: its summary, its policy and its schedules. */
export const folderDetailSchema = folderSummarySchema.extend({
  policy: folderPolicySchema.describe(
    'the stored policy; the empty policy (no rule) when hasPolicy is false',
  ),
  policyUpdatedAt: z.iso
    .datetime()
    .nullable()
    .describe('when the policy was last set; null when none is stored'),
  schedules: z.array(scheduleSchema).describe('its schedules, oldest first'),
});
export type FolderDetail = z.infer<typeof folderDetailSchema>;
