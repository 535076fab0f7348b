import {
  backupJobSchema,
  backupResultSchema,
  changeSchema,
  createdWebhookSchema,
  diffPageSchema,
  folderDetailSchema,
  folderPolicySchema,
  folderSummarySchema,
  jobErrorSchema,
  jobProgressSchema,
  jobSchema,
  logEntrySchema,
  newScheduleSchema,
  newWebhookSchema,
  pageSchema,
  policyBodySchema,
  policyPatchSchema,
  restoreJobSchema,
  restoreParamsSchema,
  restoreResultSchema,
  scheduleSchema,
  snapshotSchema,
  statsSchema,
  treeEntrySchema,
  treePageSchema,
  verifyJobSchema,
  verifyParamsSchema,
  verifyResultSchema,
  webhookDeliverySchema,
  webhookSchema,
} from '@strongbox/contract';
import { z } from 'zod';

/** A page of jobs, newest first. */
export const jobListSchema = pageSchema(jobSchema);
export const logPageSchema = pageSchema(logEntrySchema);
export const schedulePageSchema = pageSchema(scheduleSchema);
/** A page of folders, by name. */
export const folderPageSchema = pageSchema(folderSummarySchema);
/** A page of a folder's snapshots, newest first. */
export const snapshotPageSchema = pageSchema(snapshotSchema);
export const webhookPageSchema = pageSchema(webhookSchema);
/** A page of a webhook's delivery attempts, newest first. */
export const deliveryPageSchema = pageSchema(webhookDeliverySchema);

/** The body of every error answer, as the contract shapes it. */
export const problemSchema = z.object({
  statusCode: z.number().int().describe('the HTTP status, again'),
  error: z.string().describe("the status's name, e.g. Bad Request"),
  code: z.string().describe('a stable code, e.g. INVALID_FOLDER; the table of codes is in API.md'),
  message: z.string().describe('what is wrong and what to change, at most 500 characters'),
});

/**
 * The schemas the OpenAPI document names (`components/schemas`) instead of writing them out at each
 * use, so that generated clients get named types: the contract's shapes by the names clients see.
 * Registered in zod's global registry, where fastify-type-provider-zod looks for them.
 */
const COMPONENTS: Record<string, z.ZodType> = {
  Job: jobSchema,
  BackupJob: backupJobSchema,
  VerifyJob: verifyJobSchema,
  RestoreJob: restoreJobSchema,
  JobProgress: jobProgressSchema,
  JobError: jobErrorSchema,
  BackupResult: backupResultSchema,
  VerifyResult: verifyResultSchema,
  RestoreResult: restoreResultSchema,
  VerifyParams: verifyParamsSchema,
  RestoreParams: restoreParamsSchema,
  JobPage: jobListSchema,
  LogEntry: logEntrySchema,
  LogPage: logPageSchema,
  Stats: statsSchema,
  Schedule: scheduleSchema,
  SchedulePage: schedulePageSchema,
  Snapshot: snapshotSchema,
  SnapshotPage: snapshotPageSchema,
  NewSchedule: newScheduleSchema,
  Webhook: webhookSchema,
  CreatedWebhook: createdWebhookSchema,
  NewWebhook: newWebhookSchema,
  WebhookPage: webhookPageSchema,
  WebhookDelivery: webhookDeliverySchema,
  WebhookDeliveryPage: deliveryPageSchema,
  FolderSummary: folderSummarySchema,
  FolderPage: folderPageSchema,
  Folder: folderDetailSchema,
  FolderPolicy: folderPolicySchema,
  PolicyBody: policyBodySchema,
  PolicyPatch: policyPatchSchema,
  TreeEntry: treeEntrySchema,
  TreePage: treePageSchema,
  Change: changeSchema,
  DiffPage: diffPageSchema,
  Problem: problemSchema,
};

for (const [id, schema] of Object.entries(COMPONENTS)) {
  // Keeps what the contract says of the schema (description, examples) and adds its name.
  if (z.globalRegistry.get(schema)?.id !== id)
    z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id });
}
