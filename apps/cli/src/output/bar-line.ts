import type { Job } from '../api/types.js';
import type { Rate } from './rate.js';
import { formatBytes, formatEta } from './units.js';

/** What the live bar shows for one answer: how full it is, and the text beside it. */
export interface BarLine {
  value: number;
  /** 0 while the total is not counted yet: the bar stays empty. */
  total: number;
  detail: string;
}

/**
 * `45% | 120/300 files | 12.3 MiB/30.0 MiB | 8.1 MiB/s | ETA 2 s`, filled by bytes. Totals are
 * `?` until the server's counting pass has finished, and there is no ETA without them.
 */
export function barLine(job: Job, rate: Rate): BarLine {
  const { filesDone, filesTotal, bytesDone, bytesTotal } = job.progress;
  if (job.status === 'queued') {
    return { value: 0, total: 0, detail: `${job.kind} queued, waiting for a worker` };
  }
  const parts: string[] = [];
  if (bytesTotal !== null) {
    parts.push(`${bytesTotal === 0 ? 100 : Math.floor((bytesDone / bytesTotal) * 100)}%`);
  }
  parts.push(`${filesDone}/${filesTotal ?? '?'} files`);
  parts.push(`${formatBytes(bytesDone)}/${bytesTotal === null ? '?' : formatBytes(bytesTotal)}`);
  const speed = rate.bytesPerSecond();
  if (speed !== null) parts.push(`${formatBytes(Math.round(speed))}/s`);
  const remaining = rate.remainingMs(bytesTotal);
  if (remaining !== null) parts.push(`ETA ${formatEta(remaining)}`);
  // Until the total is counted the bar stays empty rather than guessing.
  return { value: bytesTotal === null ? 0 : bytesDone, total: bytesTotal ?? 0, detail: parts.join(' | ') };
}
