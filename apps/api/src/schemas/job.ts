import { JOB_KINDS, JOB_STATUSES } from '@strongbox/db';
import { z } from 'zod';

const isoDate = z.string().describe('ISO-8601 UTC with milliseconds and Z');

/** The job object of the contract, plus `params` (verify/restore) and `prunedAt` (retention). */
export const jobSchema = z.object({
  id: z.uuid(),
  kind: z.enum(JOB_KINDS),
  folder: z.string(),
  scheduleId: z.string().nullable(),
  status: z.enum(JOB_STATUSES),
  attempts: z.number().int(),
  worker: z.string().nullable().describe('host:pid of the worker that ran it'),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  progress: z.object({
    filesDone: z.number(),
    filesTotal: z.number().nullable(),
    bytesDone: z.number(),
    bytesTotal: z.number().nullable(),
  }),
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  params: z
    .object({ backupId: z.string(), target: z.string().optional(), path: z.string().optional() })
    .nullable()
    .describe('what a verify or restore job acts on; null for backups'),
  prunedAt: isoDate.nullable().describe('when retention deleted this backup’s snapshot'),
});

export const jobListSchema = z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() });

/** `?wait=N`: seconds to wait for the job to end. */
export const waitQuerySchema = z.object({
  wait: z.coerce
    .number()
    .min(0)
    .max(300, 'wait may be at most 300 seconds')
    .optional()
    .describe('seconds to wait for the job to end (at most 300)'),
});

export const jobIdParamsSchema = z.object({ id: z.string() });

export const limitSchema = z.coerce.number().int().min(1).max(1000).default(100);
