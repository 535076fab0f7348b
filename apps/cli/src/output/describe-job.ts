import type { Job } from '../api/types.js';
import { formatBytes, formatDuration, plural } from './units.js';
import { warningsOf } from './warnings.js';

/**
 * A job in one line: `backup <id> photos/2024: succeeded, snapshot photos/2024/…, 120 files,
 * 1.2 MiB, 100 linked, 812 ms`. The plain output prints one such line per state change, the
 * terminal one as its summary, and a failed job's line goes to stderr.
 */
export function describeJob(job: Job): string {
  // A prune's and a check's folder is "": the whole repository.
  const of = job.folder === '' ? 'the repository' : job.folder;
  return `${job.kind} ${job.id} ${of}: ${job.status}${detailOf(job)}`;
}

function detailOf(job: Job): string {
  switch (job.status) {
    case 'queued':
      return '';
    case 'running':
      return `${job.worker ? ` on ${job.worker}` : ''}, ${progressOf(job)}`;
    case 'succeeded':
      return job.result ? `, ${resultOf(job)}` : '';
    case 'failed':
    case 'cancelled':
      return job.error ? `, ${job.error.code}: ${job.error.message}` : '';
  }
}

/** `3 of 10 files, 1.0 MiB of 4.0 MiB` (`?` for a total not counted yet). */
export function progressOf(job: Job): string {
  const { filesDone, filesTotal, bytesDone, bytesTotal } = job.progress;
  const files = `${filesDone} of ${filesTotal ?? '?'} files`;
  const bytes = `${formatBytes(bytesDone)} of ${bytesTotal === null ? '?' : formatBytes(bytesTotal)}`;
  return `${files}, ${bytes}`;
}

function resultOf(job: Job): string {
  if (job.kind === 'check') {
    const { findingsTotal, orphans, packs, packsRead, durationMs } = job.result!;
    return [
      plural(findingsTotal, 'finding'),
      `${plural(packs, 'pack')} (${packsRead} read whole)`,
      `${plural(orphans.packs, 'orphan pack')} of ${formatBytes(orphans.bytes)}`,
      formatDuration(durationMs),
    ].join(', ');
  }
  if (job.kind === 'prune') {
    const pruned = job.result!;
    return [
      `${plural(pruned.packsDeleted, 'pack')} deleted (${formatBytes(pruned.bytesDeleted)})`,
      `${plural(pruned.packsRepacked, 'pack')} repacked`,
      `${plural(pruned.packsCondemned, 'pack')} condemned`,
      formatDuration(pruned.durationMs),
    ].join(', ');
  }
  const result = job.result!;
  const parts = [`snapshot ${result.snapshot}`];
  if (job.kind === 'restore') {
    const { path, target } = job.result!;
    parts[0] = `${path ? `path ${path} of ` : ''}snapshot ${result.snapshot} into ${target}`;
  }
  parts.push(plural(result.files, 'file'), formatBytes(result.bytes));
  if (job.kind === 'backup') parts.push(`${job.result!.linkedFiles} linked`);
  const skipped = warningsOf(job)?.skipped ?? 0;
  if (skipped > 0) parts.push(`${skipped} skipped`);
  parts.push(formatDuration(result.durationMs));
  return parts.join(', ');
}
