import { z } from 'zod';
import { folderSchema, pathSchema, targetSchema } from './folder.js';
import { checkParamsSchema } from './job.js';

const common = {
  folder: folderSchema,
  scheduleId: z.uuid().nullable().optional(),
};

/**
 * A job to record, as a route or a schedule asks for it. The folder, the restore target and the
 * path inside the snapshot are checked by the folder rule here, whoever records the job.
 */
export const newJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('backup'), ...common }),
  z.object({ kind: z.literal('verify'), ...common, params: z.object({ backupId: z.uuid() }) }),
  z.object({
    kind: z.literal('restore'),
    ...common,
    params: z.object({ backupId: z.uuid(), target: targetSchema, path: pathSchema.optional() }),
  }),
  // On the whole repository: its folder is "".
  z.object({
    kind: z.literal('check'),
    folder: z.literal(''),
    scheduleId: common.scheduleId,
    params: checkParamsSchema,
  }),
  // Of the whole repository: its folder is "".
  z.object({ kind: z.literal('prune'), folder: z.literal(''), scheduleId: common.scheduleId }),
]);
export type NewJob = z.input<typeof newJobSchema>;
