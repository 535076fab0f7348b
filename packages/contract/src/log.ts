import { z } from 'zod';
import type { JobKind } from './job.js';

export const LOG_ACTIONS = ['Backup', 'Get Log', 'Get Stats', 'Verify', 'Restore', 'Check', 'Prune'] as const;
export type LogAction = (typeof LOG_ACTIONS)[number];

export const LOG_STATUSES = ['SUCCESS', 'FAILED'] as const;
export const logStatusSchema = z.enum(LOG_STATUSES);
export type LogStatus = z.infer<typeof logStatusSchema>;

/** The log action a job writes when it ends. */
export const ACTION_OF_KIND = {
  backup: 'Backup',
  verify: 'Verify',
  restore: 'Restore',
  check: 'Check',
  prune: 'Prune',
} as const satisfies Record<JobKind, LogAction>;

/**
 * One row of the audit log. The original table's columns may hold NULL, so they may here too;
 * `jobId` and `message` are Strongbox's additions.
 */
export const logEntrySchema = z.object({
  id: z.number().int(),
  date: z.iso.datetime().describe('ISO-8601 UTC with milliseconds and Z'),
  action: z.string().nullable(),
  parameter: z.string().nullable(),
  status: z.string().nullable(),
  jobId: z.string().nullable(),
  message: z.string().nullable().describe('CODE: text, for failures'),
});
export type LogEntry = z.infer<typeof logEntrySchema>;
