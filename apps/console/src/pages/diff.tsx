import type { Change, DiffPage as DiffAnswer } from '../api.js';
import { ErrorBox, PageFooter, Section, usePaged } from '../components.js';
import { formatBytes } from '../format.js';
import { link } from '../route.js';

export function DiffPage({ from, to }: { from: string; to: string }) {
  const diff = usePaged<Change, DiffAnswer>(
    (cursor) => {
      const query = new URLSearchParams({ limit: '500' });
      if (cursor !== null) query.set('cursor', cursor);
      return `/backups/${encodeURIComponent(from)}/diff/${encodeURIComponent(to)}?${query}`;
    },
    [from, to],
  );
  const { items: changes, error, loading, more } = diff;
  const folder = diff.last?.folder ?? null;
  const count = (kind: Change['change']) => changes.filter((change) => change.change === kind).length;
  return (
    <>
      <h1>Changes {folder === null ? '' : `in ${folder}`}</h1>
      <p>
        From <a href={link.snapshot(from)}>snapshot {from}</a> to{' '}
        <a href={link.snapshot(to)}>snapshot {to}</a>
        {folder !== null && (
          <>
            {' '}
            of <a href={link.folder(folder)}>{folder}</a>
          </>
        )}
        .
      </p>
      <ErrorBox error={error} />
      <Section title="Changes" id="changes">
        <p>
          {count('added')} added, {count('removed')} removed, {count('changed')} changed
          {more !== null ? ' so far' : ''}.
        </p>
        <div class="scroll">
          <table class="diff">
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Path</th>
                <th scope="col">Type</th>
                <th scope="col" class="num">
                  Size
                </th>
                <th scope="col" class="num">
                  Size before
                </th>
              </tr>
            </thead>
            <tbody>
              {changes.map((change) => (
                <tr key={`${change.change}:${change.path}`} class={`change-${change.change}`}>
                  <td>{change.change}</td>
                  <th scope="row">{change.path}</th>
                  <td>{change.type}</td>
                  <td class="num">{change.type === 'dir' ? '' : formatBytes(change.size)}</td>
                  <td class="num">{change.previousSize === null ? '' : formatBytes(change.previousSize)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <PageFooter
          empty="No difference."
          count={changes.length}
          error={error}
          loading={loading}
          more={more}
        />
      </Section>
    </>
  );
}
