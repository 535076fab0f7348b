import { Counter, Gauge, type Registry } from 'prom-client';

/** One folder's newest successful and failed backup ends (null: none yet). */
export interface FolderEnds {
  folder: string;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
}

/** What the per-folder and failure series are read from at each scrape: MySQL, the truth. */
export interface FolderMetricsSource {
  /** At most `limit` folders, those whose last success is oldest first, and how many more there are. */
  folders(limit: number): Promise<{ folders: FolderEnds[]; omitted: number }>;
  /** How many jobs ended failed, by kind and error code. */
  failures(): Promise<{ kind: string; code: string; failures: number }[]>;
}

/**
 * The series an alert per folder needs, read from MySQL at scrape time so that every API process
 * tells the same truth:
 *
 * - `strongbox_folder_last_success_timestamp_seconds{folder}` and
 *   `strongbox_folder_last_failure_timestamp_seconds{folder}`: when the folder's newest successful
 *   and failed backup ended (`0`: none yet), for every folder that has had a backup end. At most
 *   `limit` folders (METRICS_FOLDER_LIMIT), so at most 2 × `limit` series: those whose last success
 *   is oldest, so that a stale folder is never the one left out.
 * - `strongbox_folder_omitted`: how many folders the limit left out (each succeeded more recently
 *   than every folder shown).
 * - `strongbox_job_failures_total{kind, code}`: jobs that ended failed, by kind and error code (a
 *   few dozen series at most: the codes are the engine's and the API's).
 *
 * A read that fails leaves the values of the last one that did not.
 */
export function folderMetrics(registry: Registry, source: FolderMetricsSource, limit: number): void {
  // One read serves the three folder gauges of a scrape: prom-client collects them together.
  let reading: Promise<Awaited<ReturnType<FolderMetricsSource['folders']>> | undefined> | undefined;
  const read = () => {
    reading ??= source
      .folders(limit)
      .catch(() => undefined)
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  const perFolder = (name: string, help: string, at: (ends: FolderEnds) => Date | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['folder'],
      registers: [registry],
      async collect() {
        const page = await read();
        if (page === undefined) return;
        this.reset();
        for (const ends of page.folders) this.set({ folder: ends.folder }, seconds(at(ends)));
      },
    });
  perFolder(
    'strongbox_folder_last_success_timestamp_seconds',
    "When the folder's newest successful backup ended, in seconds since the epoch; 0 before the first",
    (ends) => ends.lastSuccessAt,
  );
  perFolder(
    'strongbox_folder_last_failure_timestamp_seconds',
    "When the folder's newest failed backup ended, in seconds since the epoch; 0 if none has failed",
    (ends) => ends.lastFailureAt,
  );
  new Gauge({
    name: 'strongbox_folder_omitted',
    help: 'Folders left out of the per-folder series by METRICS_FOLDER_LIMIT (each succeeded more recently than every folder shown)',
    registers: [registry],
    async collect() {
      const page = await read();
      if (page !== undefined) this.set(page.omitted);
    },
  });
  new Counter({
    name: 'strongbox_job_failures_total',
    help: 'Jobs that ended failed, by kind and error code',
    labelNames: ['kind', 'code'],
    registers: [registry],
    async collect() {
      const counts = await source.failures().catch(() => undefined);
      if (counts === undefined) return;
      this.reset();
      for (const { kind, code, failures } of counts) this.inc({ kind, code }, failures);
    },
  });
}

function seconds(at: Date | null): number {
  return at === null ? 0 : at.getTime() / 1000;
}
