// The shapes of the API's answers that the client reads, by the names the API's OpenAPI document
// gives them: openapi.ts is generated from apps/api/openapi.json (`npm run openapi`), which a test
// of the API keeps equal to what the API serves, and a test here keeps openapi.ts equal to what the
// generator makes of it. Types only: the package still runs with no other Strongbox package.
import type { components, operations } from './openapi.js';

type Schemas = components['schemas'];

export type Job = Schemas['Job'];
export type JobKind = Job['kind'];
export type JobStatus = Job['status'];
export type JobProgress = Schemas['JobProgress'];
export type LogRow = Schemas['LogEntry'];
export type Stats = Schemas['Stats'];
/** A recurring backup of one folder (`/schedules`). */
export type Schedule = Schemas['Schedule'];
/** A snapshot of a folder (`/folders/{folder}/snapshots`): a backup that verify and restore take. */
export type Snapshot = Schemas['Snapshot'];
/** A URL told when jobs end (`/webhooks`); never with its secret. */
export type Webhook = Schemas['Webhook'];
/** The answer to a webhook's creation: the only one with its secret. */
export type CreatedWebhook = Schemas['CreatedWebhook'];
/** One attempt to deliver one event to a webhook (`/webhooks/{id}/deliveries`). */
export type WebhookDelivery = Schemas['WebhookDelivery'];
/** A folder with its summary (`/folders`). */
export type FolderSummary = Schemas['FolderSummary'];
/** One folder with its policy and schedules (`/folders/{folder}`). */
export type Folder = Schemas['Folder'];
/** A folder's policy (`/folders/{folder}/policy`). */
export type FolderPolicy = Schemas['FolderPolicy'];
/** The body of `PATCH /folders/{folder}/policy`. */
export type PolicyPatch = Schemas['PolicyPatch'];
/** The body of every error answer. */
export type Problem = Schemas['Problem'];
type LogStatus = NonNullable<NonNullable<operations['listLogs']['parameters']['query']>['status']>;

/** One page of a list, with the opaque cursor of the next one (null on the last page). */
export type Page<T> = Omit<Schemas['JobPage'], 'items'> & { items: T[] };

// Every value of each enum, once: adding or removing one in the document fails the typecheck here.
const KINDS: Record<JobKind, true> = { backup: true, verify: true, restore: true, prune: true, check: true };
const STATUSES: Record<JobStatus, true> = {
  queued: true,
  running: true,
  succeeded: true,
  failed: true,
  cancelled: true,
};
const LOG_STATUS: Record<LogStatus, true> = { SUCCESS: true, FAILED: true };

export const JOB_KINDS = Object.keys(KINDS) as readonly JobKind[];
export const JOB_STATUSES = Object.keys(STATUSES) as readonly JobStatus[];
export const LOG_STATUSES = Object.keys(LOG_STATUS) as readonly LogStatus[];

export function isEnded(job: Job): boolean {
  return job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled';
}
