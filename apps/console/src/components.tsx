import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { ApiError, addedBytes, api, type BackupJob, ended, figuresOf, type Job, type Page } from './api.js';
import { formatBytes, formatDate, formatDuration } from './format.js';
import { HEALTH_LABEL, type Health } from './health.js';

/** An error of the API as it came: its code and its message, announced to screen readers. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const code = error instanceof ApiError ? error.code : 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert">
      <strong class="code">{code}</strong> {message}
    </div>
  );
}

/** Loads `load()` now, whenever `deps` change, and every `everyMs` if given, keeping the last value. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], everyMs?: number) {
  const [state, setState] = useState<{ value: T | null; error: unknown; at: number | null }>({
    value: null,
    error: null,
    at: null,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setState({ value, error: null, at: Date.now() }),
      (error: unknown) => live && setState((old) => ({ ...old, error, at: Date.now() })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  useEffect(() => {
    if (everyMs === undefined) return;
    const timer = setInterval(() => setTick((n) => n + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/**
 * A paged list of the API, first page now (and again when `deps` change), the next one on `more()`:
 * `url(cursor)` is the URL of the page after `cursor` (null: the first).
 */
export function usePaged<T, P extends Page<T> = Page<T>>(
  url: (cursor: string | null) => string,
  deps: unknown[],
) {
  const [items, setItems] = useState<T[]>([]);
  const [last, setLast] = useState<P | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const load = async (cursor: string | null) => {
    setLoading(true);
    try {
      const page = await api<P>(url(cursor));
      setItems((old) => (cursor === null ? page.items : [...old, ...page.items]));
      setLast(page);
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    setItems([]);
    setLast(null);
    void load(null);
  }, deps);
  const cursor = last?.nextCursor ?? null;
  return { items, last, error, loading, more: cursor === null ? null : () => load(cursor) };
}

/** Starts jobs through the API (`POST path`): the ids of those started, or the API's refusal. */
export function useStart() {
  const [jobs, setJobs] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const start = async (path: string, body: unknown) => {
    setBusy(true);
    setError(null);
    try {
      const job = await api<Job>(path, { method: 'POST', body });
      setJobs((old) => (old.includes(job.id) ? old : [job.id, ...old]));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { jobs, error, busy, start };
}

/** Under a paged list: what to say when it is empty, a button for the next page, and "Loading…". */
export function PageFooter({
  empty,
  count,
  error,
  loading,
  more,
}: {
  empty: string;
  count: number;
  error: unknown;
  loading: boolean;
  more: (() => void) | null;
}) {
  return (
    <>
      {!loading && count === 0 && error === null && <p>{empty}</p>}
      {more !== null && (
        <button type="button" onClick={more} disabled={loading}>
          Load more
        </button>
      )}
      {loading && <p>Loading…</p>}
    </>
  );
}

export function HealthBadge({ health, reason }: { health: Health; reason: string }) {
  return (
    <span class={`health health-${health}`} title={reason}>
      <span class="dot" aria-hidden="true" />
      {HEALTH_LABEL[health]}
    </span>
  );
}

/**
 * The last backups as two rows of bars, oldest on the left: duration on top, bytes added below,
 * each scaled to the largest; a failed backup is a full red bar in both.
 */
export function Timeline({ jobs, label }: { jobs: BackupJob[]; label: string }) {
  const ran = jobs.filter((job) => job.status === 'succeeded' || job.status === 'failed').reverse();
  const width = 150;
  const bar = width / 30;
  const durations = ran.map((job) => figuresOf(job).durationMs ?? 0);
  const added = ran.map((job) => addedBytes(job) ?? 0);
  const maxDuration = Math.max(1, ...durations);
  const maxAdded = Math.max(1, ...added);
  const failed = ran.filter((job) => job.status === 'failed').length;
  const summary = `${label}: ${ran.length} backups, ${ran.length - failed} succeeded, ${failed} failed`;
  return (
    <svg class="timeline" viewBox={`0 0 ${width} 34`} role="img" aria-label={summary}>
      <title>{summary}</title>
      {ran.map((job, index) => {
        const x = index * bar;
        const isFailed = job.status === 'failed';
        const duration = isFailed ? 15 : Math.max(1, (15 * (figuresOf(job).durationMs ?? 0)) / maxDuration);
        const bytes = isFailed ? 15 : Math.max(1, (15 * (addedBytes(job) ?? 0)) / maxAdded);
        const tip = isFailed
          ? `${formatDate(job.finishedAt)}: failed ${job.error?.code ?? ''}`
          : `${formatDate(job.finishedAt)}: ${formatDuration(figuresOf(job).durationMs)}, added ${formatBytes(addedBytes(job))}`;
        return (
          <g key={job.id} class={isFailed ? 'bar-failed' : 'bar-ok'} data-status={job.status}>
            <title>{tip}</title>
            <rect x={x + 0.5} y={16 - duration} width={bar - 1} height={duration} class="bar-duration" />
            <rect x={x + 0.5} y={34 - bytes} width={bar - 1} height={bytes} class="bar-bytes" />
          </g>
        );
      })}
    </svg>
  );
}

/** A job as it runs: polls `GET /backups/{id}` every second until it ends. */
export function JobProgress({ id, onEnd }: { id: string; onEnd?: (job: Job) => void }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await api<Job>(`/backups/${encodeURIComponent(id)}`);
        if (!live) return;
        setJob(next);
        setError(null);
        if (ended(next)) {
          onEnd?.(next);
          return;
        }
      } catch (caught) {
        if (live) setError(caught);
      }
      if (live) timer = setTimeout(poll, 1000);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id]);
  const progress = job?.progress;
  const total = progress?.bytesTotal ?? null;
  return (
    <div class={`job job-${job?.status ?? 'loading'}`} role="status" aria-live="polite" data-job={id}>
      <div>
        {job ? `${job.kind} ${job.folder}` : 'job'} <code>{id}</code>:{' '}
        <strong class="status">{job?.status ?? 'loading'}</strong>
      </div>
      {job && !ended(job) && progress && (
        <div>
          <progress
            max={total ?? undefined}
            value={total === null ? undefined : progress.bytesDone}
            aria-label={`Progress of ${job.kind}`}
          />{' '}
          {progress.filesDone}
          {progress.filesTotal === null ? '' : ` of ${progress.filesTotal}`} files,{' '}
          {formatBytes(progress.bytesDone)}
          {total === null ? '' : ` of ${formatBytes(total)}`}
        </div>
      )}
      {job?.status === 'succeeded' && job.result !== null && (
        <div>
          {figuresOf(job).files ?? 0} files, {formatBytes(figuresOf(job).bytes)} in{' '}
          {formatDuration(figuresOf(job).durationMs)}
          {figuresOf(job).target ? ` into ${figuresOf(job).target}` : ''}
        </div>
      )}
      {job?.error && (
        <div class="error">
          <strong class="code">{job.error.code}</strong> {job.error.message}
        </div>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

/** A time series drawn by uPlot: x in seconds since the epoch, one y series. */
export function Chart({
  title,
  x,
  y,
  unit,
  format,
}: {
  title: string;
  x: number[];
  y: (number | null)[];
  unit: string;
  format: (value: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const points = JSON.stringify([x, y]);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = () => Math.max(240, element.clientWidth);
    const chart = new uPlot(
      {
        width: width(),
        height: 180,
        legend: { show: false },
        cursor: { y: false },
        series: [
          {},
          {
            label: title,
            stroke: '#1d4f91',
            width: 2,
            fill: 'rgba(29, 79, 145, 0.12)',
            points: { show: true, size: 5 },
            value: (_u, value) => (value === null ? '—' : format(value)),
          },
        ],
        axes: [{}, { label: unit, size: 70, values: (_u, values) => values.map((value) => format(value)) }],
      },
      [x, y],
      element,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: width(), height: 180 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [title, points, unit]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}

export function Section({
  title,
  children,
  id,
}: {
  title: string;
  children: ComponentChildren;
  id?: string;
}) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}
