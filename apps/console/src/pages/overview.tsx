import { all, api, type BackupJob, type FolderItem, type Page, type Schedule } from '../api.js';
import { ErrorBox, HealthBadge, Section, Timeline, useLoad } from '../components.js';
import { formatAgo, formatBytes, formatDate } from '../format.js';
import { HEALTH_LABEL, type Health, type HealthVerdict, healthOf } from '../health.js';
import { link } from '../route.js';

/** How often the overview reloads its figures. */
export const REFRESH_MS = 10_000;

interface Row {
  folder: FolderItem;
  recent: BackupJob[];
  verdict: HealthVerdict;
}

/**
 * Each folder's last backups, kept while its last ended backup stays the same: a refresh then asks
 * for `GET /folders` and `GET /schedules` only, plus one `GET /backups` per folder whose last
 * backup changed, so that the rate limit is not spent on figures that did not move.
 */
const timelines = new Map<string, { key: string; recent: BackupJob[] }>();

async function recentOf(folder: FolderItem): Promise<BackupJob[]> {
  const key = `${folder.lastBackup?.id ?? ''}|${folder.lastBackup?.finishedAt ?? ''}`;
  const known = timelines.get(folder.folder);
  if (known?.key === key) return known.recent;
  const recent = (
    await api<Page<BackupJob>>(`/backups?kind=backup&folder=${encodeURIComponent(folder.folder)}&limit=30`)
  ).items;
  timelines.set(folder.folder, { key, recent });
  return recent;
}

async function loadOverview(): Promise<Row[]> {
  const [folders, schedules] = await Promise.all([all<FolderItem>('/folders'), all<Schedule>('/schedules')]);
  const now = new Date();
  return Promise.all(
    folders.map(async (folder) => {
      const recent = await recentOf(folder);
      return { folder, recent, verdict: healthOf(folder, schedules, recent, now) };
    }),
  );
}

const ORDER: Health[] = ['failed', 'stale', 'warning', 'ok'];

export function Overview() {
  const { value: rows, error, at } = useLoad(loadOverview, [], REFRESH_MS);
  const now = at ?? Date.now();
  const counts = Object.fromEntries(ORDER.map((health) => [health, 0])) as Record<Health, number>;
  for (const row of rows ?? []) counts[row.verdict.health]++;
  const totalBytes = (rows ?? []).reduce((sum, row) => sum + (row.folder.latestSnapshot?.bytes ?? 0), 0);
  const totalSnapshots = (rows ?? []).reduce((sum, row) => sum + row.folder.snapshotCount, 0);
  return (
    <>
      <h1>Folders</h1>
      <ErrorBox error={error} />
      {rows === null && error === null && <p>Loading…</p>}
      {rows !== null && (
        <>
          <Section title="Totals" id="totals">
            <dl class="totals">
              <div>
                <dt>Folders</dt>
                <dd data-total="folders">{rows.length}</dd>
              </div>
              {ORDER.map((health) => (
                <div key={health} class={`total-${health}`}>
                  <dt>{HEALTH_LABEL[health]}</dt>
                  <dd data-total={health}>{counts[health]}</dd>
                </div>
              ))}
              <div>
                <dt>Snapshots</dt>
                <dd data-total="snapshots">{totalSnapshots}</dd>
              </div>
              <div>
                <dt>Latest snapshots' size</dt>
                <dd data-total="bytes">{formatBytes(totalBytes)}</dd>
              </div>
            </dl>
            <p class="muted">
              Updated{' '}
              <time dateTime={new Date(now).toISOString()}>{formatDate(new Date(now).toISOString())}</time>,
              refreshed every {REFRESH_MS / 1000} s.
            </p>
          </Section>
          <Section title="Every folder" id="folders">
            {rows.length === 0 ? (
              <p>No folder yet: start a backup (POST /backups) or add a schedule.</p>
            ) : (
              <div class="scroll">
                <table class="folders">
                  <thead>
                    <tr>
                      <th scope="col">Health</th>
                      <th scope="col">Folder</th>
                      <th scope="col">Last success</th>
                      <th scope="col" class="num">
                        Latest snapshot
                      </th>
                      <th scope="col">Last 30 backups (duration, bytes added)</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map(({ folder, recent, verdict }) => (
                      <tr key={folder.folder} data-folder={folder.folder} data-health={verdict.health}>
                        <td>
                          <HealthBadge health={verdict.health} reason={verdict.reason} />
                          {folder.lastBackup?.status === 'failed' && (
                            <div class="code failed-code">{folder.lastBackup.errorCode}</div>
                          )}
                        </td>
                        <th scope="row">
                          <a href={link.folder(folder.folder)}>{folder.folder}</a>
                        </th>
                        <td data-label="Last success" title={formatDate(folder.lastSuccessAt)}>
                          {formatAgo(folder.lastSuccessAt, now)}
                        </td>
                        <td data-label="Latest snapshot" class="num">
                          {formatBytes(folder.latestSnapshot?.bytes)}
                        </td>
                        <td data-label="Last 30 backups">
                          <Timeline jobs={recent} label={`Backups of ${folder.folder}`} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Section>
        </>
      )}
    </>
  );
}
