import { useEffect, useState } from 'preact/hooks';
import { RestoreForm, suggestTarget } from '../actions.js';
import { api, type Job, type TreeEntry, type TreePage } from '../api.js';
import { ErrorBox, PageFooter, Section, useLoad, usePaged } from '../components.js';
import { formatBytes, formatDate, formatMode } from '../format.js';
import { link } from '../route.js';

const PAGE = 200;

/** The URL that downloads one file of a backup's snapshot. */
export const fileUrl = (id: string, path: string) =>
  `/backups/${encodeURIComponent(id)}/file?path=${encodeURIComponent(path)}`;

export function SnapshotPage({ id, path }: { id: string; path: string }) {
  const backup = useLoad(() => api<Job>(`/backups/${encodeURIComponent(id)}`), [id]);
  const [restorePath, setRestorePath] = useState(path);
  useEffect(() => setRestorePath(path), [path]);
  const tree = usePaged<TreeEntry, TreePage>(
    (cursor) => {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (path !== '') query.set('path', path);
      if (cursor !== null) query.set('cursor', cursor);
      return `/backups/${encodeURIComponent(id)}/tree?${query}`;
    },
    [id, path],
  );
  const { items: entries, error, loading, more } = tree;

  const job = backup.value;
  const segments = path === '' ? [] : path.split('/');
  const join = (name: string) => (path === '' ? name : `${path}/${name}`);
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <ol>
          {job && (
            <li>
              <a href={link.folder(job.folder)}>{job.folder}</a>
            </li>
          )}
          <li>
            <a href={link.snapshot(id)} aria-current={path === '' ? 'page' : undefined}>
              snapshot {job ? formatDate(job.finishedAt) : id}
            </a>
          </li>
          {segments.map((segment, index) => {
            const here = segments.slice(0, index + 1).join('/');
            return (
              <li key={here}>
                <a
                  href={link.snapshot(id, here)}
                  aria-current={index === segments.length - 1 ? 'page' : undefined}
                >
                  {segment}
                </a>
              </li>
            );
          })}
        </ol>
      </nav>
      <h1>
        {job ? job.folder : 'Snapshot'}/{path}
      </h1>
      <ErrorBox error={backup.error} />
      <ErrorBox error={error} />
      <Section title="Contents" id="contents">
        <div class="scroll">
          <table class="tree">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col" class="num">
                  Size
                </th>
                <th scope="col">Mode</th>
                <th scope="col">Modified</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.name} data-entry={entry.name}>
                  <th scope="row">
                    {entry.type === 'dir' ? (
                      <a href={link.snapshot(id, join(entry.name))}>{entry.name}/</a>
                    ) : entry.type === 'file' ? (
                      <a href={fileUrl(id, join(entry.name))} download={entry.name}>
                        {entry.name}
                      </a>
                    ) : (
                      <span>
                        {entry.name} → {entry.target}
                      </span>
                    )}
                  </th>
                  <td>{entry.type}</td>
                  <td class="num">{entry.type === 'dir' ? '' : formatBytes(entry.size)}</td>
                  <td>
                    <code>{formatMode(entry.mode)}</code>
                  </td>
                  <td>{formatDate(entry.mtime)}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Restore ${entry.name}`}
                      onClick={() => {
                        setRestorePath(join(entry.name));
                        document.getElementById('restore-heading')?.scrollIntoView();
                        document.getElementById(`restore-${id}-target`)?.focus();
                      }}
                    >
                      Restore…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <PageFooter
          empty="This directory is empty."
          count={entries.length}
          error={error}
          loading={loading}
          more={more}
        />
      </Section>
      {job && (
        <Section title="Restore" id="restore">
          <RestoreForm
            key={restorePath}
            backupId={id}
            path={restorePath}
            suggestedTarget={suggestTarget(job.folder, restorePath)}
          />
        </Section>
      )}
    </>
  );
}
