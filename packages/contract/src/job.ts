import { z } from 'zod';
import { JOB_RESULT_SCHEMAS } from './result.js';

/**
 * The kinds of job. `check` and `prune` are repository-wide maintenance of the object repository:
 * their `folder` is `""`, the whole repository.
 */
export const JOB_KINDS = ['backup', 'verify', 'restore', 'check', 'prune'] as const;
export const jobKindSchema = z.enum(JOB_KINDS);
export type JobKind = z.infer<typeof jobKindSchema>;

/** States a job can still leave. */
export const ACTIVE_STATUSES = ['queued', 'running'] as const;
/** States a job never leaves. */
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export const JOB_STATUSES = [...ACTIVE_STATUSES, ...TERMINAL_STATUSES] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof jobStatusSchema>;
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** Whether a job in this state has ended for good. */
export function isTerminal(status: JobStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

const count = z.number().int().nonnegative();
const isoDate = z.iso.datetime().describe('ISO-8601 UTC with milliseconds and Z');

export const jobProgressSchema = z.object({
  filesDone: count,
  filesTotal: count.nullable().describe('null until the counting pass has finished'),
  bytesDone: count,
  bytesTotal: count.nullable().describe('null until the counting pass has finished'),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const jobErrorSchema = z.object({ code: z.string(), message: z.string() });
export type JobError = z.infer<typeof jobErrorSchema>;

/** What a verify job acts on. */
export const verifyParamsSchema = z.object({ backupId: z.uuid() });
export type VerifyParams = z.infer<typeof verifyParamsSchema>;

/**
 * What a restore job acts on, as recorded. New jobs are checked by the folder rule
 * (see `newJobSchema`); what is read back is taken as it was recorded.
 */
export const restoreParamsSchema = z.object({
  backupId: z.uuid(),
  target: z.string(),
  path: z.string().optional(),
});
export type RestoreParams = z.infer<typeof restoreParamsSchema>;

/**
 * What a check of the object repository reads besides the headers: no pack data, every pack's, or
 * a percentage of the packs, drawn anew at every check.
 */
export const checkParamsSchema = z.object({
  readData: z.union([z.enum(['none', 'all']), z.number().int().min(1).max(100)]),
});
export type CheckParams = z.infer<typeof checkParamsSchema>;

// One variant of the job object; every variant has the same fields in the same order, so that the
// JSON of every kind reads alike.
function jobVariant<K extends JobKind, P extends z.ZodType, R extends z.ZodType>(
  kind: K,
  params: P,
  result: R,
) {
  return z.object({
    id: z.uuid(),
    kind: z.literal(kind),
    folder: z
      .string()
      .describe('relative to SOURCE_ROOT; "" for a job on the whole repository (check, prune)'),
    scheduleId: z.string().nullable(),
    status: jobStatusSchema,
    attempts: count,
    worker: z.string().nullable().describe('host:pid of the worker that ran it'),
    createdAt: isoDate,
    startedAt: isoDate.nullable(),
    finishedAt: isoDate.nullable(),
    progress: jobProgressSchema,
    result: result
      .nullable()
      .describe('set once the job has succeeded; for a check that found damage, set on the failed job too'),
    error: jobErrorSchema.nullable(),
    params: params.describe('what a verify, restore or check job acts on; null for backups and prunes'),
    prunedAt: isoDate.nullable().describe('when retention deleted this backup’s snapshot'),
  });
}

export const backupJobSchema = jobVariant('backup', z.null(), JOB_RESULT_SCHEMAS.backup);
export const verifyJobSchema = jobVariant('verify', verifyParamsSchema, JOB_RESULT_SCHEMAS.verify);
export const restoreJobSchema = jobVariant('restore', restoreParamsSchema, JOB_RESULT_SCHEMAS.restore);
export const checkJobSchema = jobVariant('check', checkParamsSchema, JOB_RESULT_SCHEMAS.check);
export const pruneJobSchema = jobVariant('prune', z.null(), JOB_RESULT_SCHEMAS.prune);

/** The job object of the contract, plus `params` (verify/restore/check) and `prunedAt` (retention). */
export const jobSchema = z
  .discriminatedUnion('kind', [
    backupJobSchema,
    verifyJobSchema,
    restoreJobSchema,
    checkJobSchema,
    pruneJobSchema,
  ])
  .meta({
    examples: [
      {
        id: '5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69',
        kind: 'backup',
        folder: 'photos/2024',
        scheduleId: null,
        status: 'succeeded',
        attempts: 1,
        worker: 'backup-1:4242',
        createdAt: '2026-11-22T01:02:03.456Z',
        startedAt: '2026-11-22T01:02:03.480Z',
        finishedAt: '2026-11-22T01:02:04.292Z',
        progress: { filesDone: 120, filesTotal: 120, bytesDone: 123456, bytesTotal: 123456 },
        result: {
          snapshot: 'photos%2F2024/20261122T010203Z-1a2b3c',
          files: 120,
          bytes: 123456,
          copiedFiles: 20,
          copiedBytes: 23456,
          linkedFiles: 100,
          skipped: 0,
          warnings: [],
          durationMs: 812,
        },
        error: null,
        params: null,
        prunedAt: null,
      },
      {
        id: '354d99af-113a-43e3-839e-bc62ea4f1393',
        kind: 'backup',
        folder: 'nope',
        scheduleId: null,
        status: 'failed',
        attempts: 1,
        worker: 'backup-1:4242',
        createdAt: '2026-11-22T02:00:33.720Z',
        startedAt: '2026-11-22T02:00:33.745Z',
        finishedAt: '2026-11-22T02:00:33.754Z',
        progress: { filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null },
        result: null,
        error: { code: 'NO_SUCH_DIRECTORY', message: 'No such directory: nope' },
        params: null,
        prunedAt: null,
      },
    ],
  });
export type Job = z.infer<typeof jobSchema>;
export type BackupJob = z.infer<typeof backupJobSchema>;
export type VerifyJob = z.infer<typeof verifyJobSchema>;
export type RestoreJob = z.infer<typeof restoreJobSchema>;
export type CheckJob = z.infer<typeof checkJobSchema>;
export type PruneJob = z.infer<typeof pruneJobSchema>;

/** The job object of one kind. */
export type JobOf<K extends JobKind> = Extract<Job, { kind: K }>;
