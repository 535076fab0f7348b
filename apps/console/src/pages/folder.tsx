import { useState } from 'preact/hooks';
import { RestoreForm, StartJob, suggestTarget } from '../actions.js';
import {
  all,
  api,
  type BackupJob,
  type FolderDetail,
  figuresOf,
  folderPath,
  type Page,
  type Snapshot,
} from '../api.js';
import { Chart, ErrorBox, Section, useLoad } from '../components.js';
import { formatBytes, formatDate, formatDuration } from '../format.js';
import { link } from '../route.js';

interface FolderData {
  detail: FolderDetail;
  snapshots: Snapshot[];
  backups: BackupJob[];
}

async function loadFolder(folder: string): Promise<FolderData> {
  const [detail, snapshots, backups] = await Promise.all([
    api<FolderDetail>(folderPath(folder)),
    all<Snapshot>(`${folderPath(folder)}/snapshots?limit=1000`, 5),
    api<Page<BackupJob>>(`/backups?kind=backup&folder=${encodeURIComponent(folder)}&limit=200`),
  ]);
  return { detail, snapshots, backups: backups.items };
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

export function FolderPage({ folder }: { folder: string }) {
  const { value, error, reload } = useLoad(() => loadFolder(folder), [folder], 15_000);
  return (
    <>
      <h1>
        Folder <span class="name">{folder}</span>
      </h1>
      <ErrorBox error={error} />
      {value === null && error === null && <p>Loading…</p>}
      {value !== null && <FolderBody folder={folder} data={value} reload={reload} />}
    </>
  );
}

function FolderBody({ folder, data, reload }: { folder: string; data: FolderData; reload: () => void }) {
  const { detail, snapshots, backups } = data;
  const succeeded = backups
    .filter((job) => job.status === 'succeeded' && job.finishedAt !== null && job.result)
    .reverse();
  const failures = backups.filter((job) => job.status === 'failed').slice(0, 10);
  const x = succeeded.map((job) => seconds(job.finishedAt as string));
  const [restoring, setRestoring] = useState<string | null>(null);
  const [from, setFrom] = useState(snapshots[1]?.backupId ?? '');
  const [to, setTo] = useState(snapshots[0]?.backupId ?? '');
  return (
    <>
      <dl class="facts">
        <div>
          <dt>Last success</dt>
          <dd>{formatDate(detail.lastSuccessAt)}</dd>
        </div>
        <div>
          <dt>Last backup</dt>
          <dd>
            {detail.lastBackup
              ? `${detail.lastBackup.status}${detail.lastBackup.errorCode ? ` (${detail.lastBackup.errorCode})` : ''}, ${formatDate(detail.lastBackup.finishedAt)}`
              : 'none yet'}
          </dd>
        </div>
        <div>
          <dt>Snapshots</dt>
          <dd>{detail.snapshotCount}</dd>
        </div>
        <div>
          <dt>Latest snapshot</dt>
          <dd>
            {detail.latestSnapshot
              ? `${detail.latestSnapshot.files} files, ${formatBytes(detail.latestSnapshot.bytes)}`
              : 'none'}
          </dd>
        </div>
      </dl>

      <Section title="Back up" id="backup-now">
        <StartJob label="Back up now" path="/backups" body={{ folder }} onEnd={reload} />
      </Section>

      <Section title="Recent failures" id="failures">
        {failures.length === 0 ? (
          <p>No failed backup among the last {backups.length}.</p>
        ) : (
          <ul class="failures">
            {failures.map((job) => (
              <li key={job.id} data-job={job.id}>
                <time dateTime={job.finishedAt ?? ''}>{formatDate(job.finishedAt)}</time>{' '}
                <strong class="code">{job.error?.code}</strong> {job.error?.message}
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section title="Snapshots over time" id="charts">
        {succeeded.length === 0 ? (
          <p>No successful backup to plot yet.</p>
        ) : (
          <div class="charts">
            <Chart
              title="Snapshot size"
              unit="bytes"
              x={x}
              y={succeeded.map((job) => figuresOf(job).bytes ?? null)}
              format={formatBytes}
            />
            <Chart
              title="Backup duration"
              unit="time"
              x={x}
              y={succeeded.map((job) => figuresOf(job).durationMs ?? null)}
              format={formatDuration}
            />
          </div>
        )}
      </Section>

      <Section title="Snapshots" id="snapshots">
        {snapshots.length === 0 ? (
          <p>No snapshot: no backup of this folder succeeded, or retention deleted them.</p>
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Finished</th>
                  <th scope="col" class="num">
                    Files
                  </th>
                  <th scope="col" class="num">
                    Size
                  </th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {snapshots.map((snapshot) => (
                  <tr key={snapshot.backupId} data-backup={snapshot.backupId}>
                    <th scope="row">
                      <a href={link.snapshot(snapshot.backupId)}>{formatDate(snapshot.finishedAt)}</a>
                    </th>
                    <td class="num">{snapshot.files}</td>
                    <td class="num">{formatBytes(snapshot.bytes)}</td>
                    <td class="actions">
                      <a href={link.snapshot(snapshot.backupId)}>Browse</a>
                      <StartJob
                        label="Verify"
                        path={`/backups/${encodeURIComponent(snapshot.backupId)}/verify`}
                      />
                      <button
                        type="button"
                        aria-expanded={restoring === snapshot.backupId}
                        onClick={() =>
                          setRestoring(restoring === snapshot.backupId ? null : snapshot.backupId)
                        }
                      >
                        Restore…
                      </button>
                      {restoring === snapshot.backupId && (
                        <RestoreForm
                          backupId={snapshot.backupId}
                          path=""
                          suggestedTarget={suggestTarget(folder)}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      {snapshots.length >= 2 && (
        <Section title="Compare two snapshots" id="compare">
          <form
            class="compare"
            onSubmit={(event) => {
              event.preventDefault();
              location.hash = link.diff(from, to);
            }}
          >
            <SnapshotSelect
              id="diff-from"
              label="From"
              snapshots={snapshots}
              value={from}
              onChange={setFrom}
            />
            <SnapshotSelect id="diff-to" label="To" snapshots={snapshots} value={to} onChange={setTo} />
            <button type="submit">Compare</button>
          </form>
        </Section>
      )}

      <Section title="Policy" id="policy">
        {!detail.hasPolicy && (
          <p>No policy stored: nothing is left out, and the deployment's retention applies.</p>
        )}
        <dl class="facts">
          <div>
            <dt>Exclude</dt>
            <dd>{detail.policy.exclude.length === 0 ? 'nothing' : detail.policy.exclude.join(', ')}</dd>
          </div>
          <div>
            <dt>Exclude directories holding</dt>
            <dd>
              {detail.policy.excludeIfPresent.length === 0
                ? 'no marker'
                : detail.policy.excludeIfPresent.join(', ')}
            </dd>
          </div>
          <div>
            <dt>Largest file</dt>
            <dd>
              {detail.policy.maxFileSize === null ? 'no limit' : formatBytes(detail.policy.maxFileSize)}
            </dd>
          </div>
          <div>
            <dt>Retention</dt>
            <dd>
              {detail.policy.retention === null
                ? "the deployment's"
                : Object.entries(detail.policy.retention)
                    .filter(([, keep]) => keep !== null)
                    .map(([rule, keep]) => `${rule} ${keep}`)
                    .join(', ')}
            </dd>
          </div>
        </dl>
      </Section>

      <Section title="Schedules" id="schedules">
        {detail.schedules.length === 0 ? (
          <p>No schedule: this folder is backed up only when asked.</p>
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Cron</th>
                  <th scope="col">Time zone</th>
                  <th scope="col">State</th>
                  <th scope="col">Next run</th>
                </tr>
              </thead>
              <tbody>
                {detail.schedules.map((schedule) => (
                  <tr key={schedule.id}>
                    <td>
                      <code>{schedule.cron}</code>
                    </td>
                    <td>{schedule.tz}</td>
                    <td>
                      {schedule.error ? (
                        <span>
                          <strong class="code">{schedule.error.code}</strong> {schedule.error.message}
                        </span>
                      ) : schedule.paused ? (
                        'paused'
                      ) : (
                        'active'
                      )}
                    </td>
                    <td>{formatDate(schedule.nextRunAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </>
  );
}

function SnapshotSelect(props: {
  id: string;
  label: string;
  snapshots: Snapshot[];
  value: string;
  onChange: (backupId: string) => void;
}) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.snapshots.map((snapshot) => (
          <option key={snapshot.backupId} value={snapshot.backupId}>
            {formatDate(snapshot.finishedAt)}
          </option>
        ))}
      </select>
    </>
  );
}
