import { z } from 'zod';

const count = z.number().int().nonnegative();

/** Totals over backup jobs (verify and restore jobs are not backups). */
export const statsSchema = z.object({
  backups: z.object({
    total: count,
    succeeded: count,
    failed: count,
    queued: count,
    running: count,
    cancelled: count,
  }),
  bytesCopied: count.describe('summed over successful backups'),
  filesCopied: count.describe('summed over successful backups'),
  lastSuccessAt: z.iso.datetime().nullable(),
});
export type Stats = z.infer<typeof statsSchema>;
