import { CronExpressionParser } from 'cron-parser';
import { type BackupJob, type FolderItem, figuresOf, type Schedule } from './api.js';

/**
 * A folder's health, worst first: `failed` (its last backup that ran failed), `stale` (no
 * successful backup since a time one of its schedules fired, `margin` or longer ago, or none ever),
 * `warning` (its last backup succeeded but skipped entries or warned), `ok`.
 */
export type Health = 'failed' | 'stale' | 'warning' | 'ok';

/** How long after a schedule fires its backup may take before the folder is stale. */
export const STALE_MARGIN_MS = 60 * 60 * 1000;

export interface HealthVerdict {
  health: Health;
  /** Why, in a few words. */
  reason: string;
}

/** The latest time `schedule` fired at or before `at`, or null when it cannot be read. */
export function lastFireBefore(schedule: Schedule, at: Date): Date | null {
  try {
    // prev() answers a time strictly before its start: one millisecond later counts `at` itself.
    const start = new Date(at.getTime() + 1);
    return CronExpressionParser.parse(schedule.cron, { currentDate: start, tz: schedule.tz }).prev().toDate();
  } catch {
    return null;
  }
}

/**
 * The health of `folder` at `now`, from `GET /folders`, its schedules (`GET /schedules`) and its
 * recent backups (`GET /backups?kind=backup&folder=`, newest first).
 */
export function healthOf(
  folder: FolderItem,
  schedules: Schedule[],
  recent: BackupJob[],
  now: Date,
  margin = STALE_MARGIN_MS,
): HealthVerdict {
  const last = folder.lastBackup;
  if (last?.status === 'failed') {
    return { health: 'failed', reason: `last backup failed: ${last.errorCode ?? 'unknown error'}` };
  }
  if (folder.lastSuccessAt === null) return { health: 'stale', reason: 'no successful backup yet' };
  const lastSuccess = Date.parse(folder.lastSuccessAt);
  for (const schedule of schedules) {
    if (schedule.kind !== 'backup' || schedule.folder !== folder.folder || schedule.paused) continue;
    const due = lastFireBefore(schedule, new Date(now.getTime() - margin));
    if (due === null || due.getTime() < Date.parse(schedule.createdAt)) continue;
    if (lastSuccess < due.getTime()) {
      return {
        health: 'stale',
        reason: `no success since the run due ${due.toISOString()} (${schedule.cron})`,
      };
    }
  }
  const job = recent.find((candidate) => candidate.id === last?.id);
  const figures = job ? figuresOf(job) : {};
  const warnings = figures.warnings?.length ?? 0;
  const skipped = figures.skipped ?? 0;
  if (warnings > 0 || skipped > 0) {
    const what =
      skipped > 0
        ? `skipped ${skipped} ${skipped === 1 ? 'entry' : 'entries'}`
        : `warned ${warnings} ${warnings === 1 ? 'time' : 'times'}`;
    const first = figures.warnings?.[0];
    return { health: 'warning', reason: `last backup ${what}${first ? `: ${first}` : ''}` };
  }
  return { health: 'ok', reason: 'last backup succeeded' };
}

/** The words a health is shown with (never the colour alone). */
export const HEALTH_LABEL: Record<Health, string> = {
  failed: 'Failed',
  stale: 'Overdue',
  warning: 'Warnings',
  ok: 'Healthy',
};
