import { useState } from 'preact/hooks';
import type { Job } from './api.js';
import { ErrorBox, JobProgress, useStart } from './components.js';

/**
 * A button that starts a job through the API, then shows the job's live progress, or the API's
 * refusal (its code and message).
 */
export function StartJob({
  label,
  path,
  body,
  onEnd,
}: {
  label: string;
  path: string;
  body?: unknown;
  onEnd?: (job: Job) => void;
}) {
  const { jobs, error, busy, start } = useStart();
  return (
    <div class="action">
      <button type="button" onClick={() => start(path, body ?? {})} disabled={busy}>
        {label}
      </button>
      <ErrorBox error={error} />
      {jobs.map((id) => (
        <JobProgress key={id} id={id} onEnd={onEnd} />
      ))}
    </div>
  );
}

/** Restores a backup, or one path of it, into a new folder of the source root. */
export function RestoreForm({
  backupId,
  path,
  suggestedTarget,
  onEnd,
}: {
  backupId: string;
  path: string;
  suggestedTarget: string;
  onEnd?: (job: Job) => void;
}) {
  const [target, setTarget] = useState(suggestedTarget);
  const [subPath, setSubPath] = useState(path);
  const { jobs, error, busy, start } = useStart();
  const id = `restore-${backupId}`;
  const submit = (event: Event) => {
    event.preventDefault();
    void start(
      `/backups/${encodeURIComponent(backupId)}/restore`,
      subPath === '' ? { target } : { target, path: subPath },
    );
  };
  return (
    <form class="restore" onSubmit={submit} aria-label="Restore">
      <div class="fields">
        <label for={`${id}-path`}>
          Path in the snapshot <span class="muted">(empty: all of it)</span>
        </label>
        <input id={`${id}-path`} value={subPath} onInput={(e) => setSubPath(e.currentTarget.value)} />
        <label for={`${id}-target`}>
          New folder to restore into <span class="muted">(relative to the source root; must not exist)</span>
        </label>
        <input
          id={`${id}-target`}
          required
          value={target}
          onInput={(e) => setTarget(e.currentTarget.value)}
        />
      </div>
      <button type="submit" disabled={busy}>
        Restore
      </button>
      <ErrorBox error={error} />
      {jobs.map((job) => (
        <JobProgress key={job} id={job} onEnd={onEnd} />
      ))}
    </form>
  );
}

/** A target for a restore that is unlikely to exist yet: `restored/<folder>-<time>`. */
export function suggestTarget(folder: string, path = ''): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const name = `${folder}${path === '' ? '' : `/${path}`}`.replace(/\//g, '_');
  return `restored/${name}-${stamp}`;
}
