import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal } from '@strongbox/contract';
import { folderOverlaps } from '@strongbox/worker/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, type Stack, startStack, stopChild, waitFor } from './stack.js';
import { expectSameTree } from './tree.js';

// Minutes of work with processes killed on purpose: it runs in CI (CI=true) and when asked for
// with STRONGBOX_CHAOS=1 (docs/guarantees.md).
const RUN = process.env.CI === 'true' || process.env.STRONGBOX_CHAOS === '1';

const WORKERS = 3;
const FOLDERS = 50;
const FILES_PER_FOLDER = 400;
const MIN_JOBS = 200;
/** Workers are killed for at most this long; then the jobs left are given time to end. */
const KILLING_MS = 150_000;
/** A kill every 0.5 to 2 s, at random. */
const KILL_GAP_MS = [500, 2_000] as const;

interface Kill {
  pid: number;
  at: number;
}

let stack: Stack;
beforeAll(async () => {
  if (!RUN) return;
  // Hundreds of clients' worth of polling from one address: the rate limit is not what this tests.
  stack = await startStack({ workers: WORKERS, env: { RATE_LIMIT_MAX: '0' } });
  for (let f = 0; f < FOLDERS; f++) {
    const files: Record<string, string> = {};
    for (let i = 0; i < FILES_PER_FOLDER; i++)
      files[`d${i % 6}/file-${i}.txt`] = `${f}:${i} `.repeat(300 + (i % 500));
    await makeFolder(stack, `chaos/f${f}`, files);
  }
});
afterAll(async () => {
  await stack?.stop();
});

describe.runIf(RUN)('chaos: 3 workers SIGKILLed at random while 200 backups run', () => {
  it('loses nothing and doubles nothing: every job ends once, snapshots equal their sources, nothing is left behind, no folder is locked twice', async () => {
    const started = Date.now();
    const ids = new Set<string>();
    const kills: Kill[] = [];
    const folders = Array.from({ length: FOLDERS }, (_, f) => `chaos/f${f}`);

    // Backups of every folder, round after round: a folder whose backup is still queued answers
    // that one (at most one waits per folder), so a round adds one for each folder whose last
    // backup has started; rounds go on until enough jobs exist.
    const submitting = (async () => {
      while (ids.size < MIN_JOBS) {
        const before = await startedCount(ids);
        const answers = await Promise.all(
          folders.map((folder) => call(stack, 'POST', '/backups', { folder })),
        );
        for (const answer of answers) {
          expect(answer.status, JSON.stringify(answer.body)).toBe(202);
          ids.add(answer.body.id);
        }
        await waitFor(
          async () => ids.size >= MIN_JOBS || (await startedCount(ids)) > before,
          240_000,
          () => `no backup started any more:\n${stack.output().slice(-5_000)}`,
        );
      }
    })();

    // A worker that is up is killed, at random, and another one started at once (without waiting
    // for it to be up before the next kill).
    const up = [...stack.workers];
    const starting: Promise<unknown>[] = [];
    const killing = (async () => {
      while (Date.now() - started < KILLING_MS && !(ids.size >= MIN_JOBS && (await allEnded(ids)))) {
        await sleep(KILL_GAP_MS[0] + Math.random() * (KILL_GAP_MS[1] - KILL_GAP_MS[0]));
        if (up.length === 0) continue;
        const [victim] = up.splice(Math.floor(Math.random() * up.length), 1);
        kills.push({ pid: victim!.pid!, at: Date.now() });
        await stopChild(victim!, 'SIGKILL');
        starting.push(stack.addWorker().then((worker) => up.push(worker)));
      }
    })();

    await Promise.all([submitting, killing]);
    await Promise.all(starting);
    await waitFor(
      () => allEnded(ids),
      240_000,
      () => `jobs did not end:\n${stack.output().slice(-5_000)}`,
    );
    // A worker started now sweeps the backup folder at once: what killed attempts left goes.
    await stack.addWorker();

    const jobs = await jobsOf(stack, ids);
    expect(jobs).toHaveLength(ids.size);
    expect(ids.size).toBeGreaterThanOrEqual(MIN_JOBS);

    // Every job ended, as succeeded or as lost to its workers' deaths, each with exactly one row.
    for (const job of jobs) {
      expect(job.status === 'succeeded' || job.error_code === 'WORKER_LOST', JSON.stringify(job)).toBe(true);
    }
    const [rows] = await stack.db.query<RowDataPacket[]>(
      `SELECT job_id, COUNT(*) AS n, MIN(status) AS status FROM log
       WHERE action = 'Backup' AND job_id IN (?) GROUP BY job_id`,
      [[...ids]],
    );
    expect(rows).toHaveLength(ids.size);
    for (const row of rows) {
      const job = jobs.find((j) => j.id === row.job_id)!;
      expect({ id: row.job_id, rows: row.n, status: row.status }).toEqual({
        id: job.id,
        rows: 1,
        status: job.status === 'succeeded' ? 'SUCCESS' : 'FAILED',
      });
    }

    // Every snapshot equals its source.
    const succeeded = jobs.filter((job) => job.status === 'succeeded');
    for (let i = 0; i < succeeded.length; i += 4) {
      await Promise.all(
        succeeded
          .slice(i, i + 4)
          .map((job) =>
            expectSameTree(
              path.join(stack.backupFolder, job.snapshot!),
              path.join(stack.sourceRoot, job.folder),
            ),
          ),
      );
    }

    // Nothing left behind: no staging, no tombstone, and exactly the snapshots MySQL references.
    const referenced = new Set(succeeded.map((job) => job.snapshot!));
    let onDisk: string[] = [];
    await waitFor(
      async () => {
        onDisk = await backupFolderEntries(stack.backupFolder);
        return onDisk.every((entry) => referenced.has(entry.replace(/\.manifest\.jsonl$/, '')));
      },
      60_000,
      () =>
        `left behind: ${onDisk.filter((e) => !referenced.has(e.replace(/\.manifest\.jsonl$/, ''))).join(', ')}`,
    );
    expect(onDisk.length).toBe(referenced.size * 2);

    // No folder was ever held by two backups at once (a killed worker's hold ends when it died).
    const logs = stack.workerLogs();
    const diedAt = new Map(kills.map((kill) => [kill.pid, kill.at]));
    expect(folderOverlaps(logs, (pid) => diedAt.get(pid))).toEqual([]);

    report({ jobs, kills, logs, started });
  }, 480_000);
});

interface JobRow {
  id: string;
  folder: string;
  status: string;
  attempts: number;
  snapshot: string | null;
  error_code: string | null;
  created_at: Date;
  finished_at: Date | null;
}

async function jobsOf(stack: Stack, ids: Set<string>): Promise<JobRow[]> {
  const [rows] = await stack.db.query<RowDataPacket[]>(
    'SELECT id, folder, status, attempts, snapshot, error_code, created_at, finished_at FROM backup_job WHERE id IN (?)',
    [[...ids]],
  );
  return rows as JobRow[];
}

async function startedCount(ids: Set<string>): Promise<number> {
  if (ids.size === 0) return 0;
  const [rows] = await stack.db.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM backup_job WHERE id IN (?) AND status <> 'queued'",
    [[...ids]],
  );
  return Number(rows[0]!.n);
}

async function allEnded(ids: Set<string>): Promise<boolean> {
  if (ids.size === 0) return false;
  return (await jobsOf(stack, ids)).every((job) => isTerminal(job.status as never));
}

/** Every entry of every folder's directory but its folder record: `<key>/<name>`. */
async function backupFolderEntries(backupFolder: string): Promise<string[]> {
  const out: string[] = [];
  for (const key of await readdir(backupFolder)) {
    if (key.startsWith('.')) continue;
    for (const name of await readdir(path.join(backupFolder, key))) {
      if (name !== '.folder.json') out.push(`${key}/${name}`);
    }
  }
  return out;
}

/** The run's figures, for the record (docs/guarantees.md). */
function report(run: { jobs: JobRow[]; kills: Kill[]; logs: Record<string, unknown>[]; started: number }) {
  const killed = new Set(run.kills.map((kill) => kill.pid));
  const open = new Map<string, string>();
  const interrupted = new Set<string>();
  for (const line of run.logs) {
    const key = `${line.pid}|${line.jobId}`;
    if (line.msg === 'job started') open.set(key, String(line.jobId));
    else if (typeof line.msg === 'string' && line.msg.startsWith('job ')) open.delete(key);
  }
  for (const [key, jobId] of open) if (killed.has(Number(key.split('|')[0]))) interrupted.add(jobId);
  const histogram: Record<number, number> = {};
  for (const job of run.jobs) histogram[job.attempts] = (histogram[job.attempts] ?? 0) + 1;
  const end = Math.max(...run.jobs.map((job) => job.finished_at?.getTime() ?? 0));
  const minutes = (end - run.started) / 60_000;
  console.info(
    JSON.stringify({
      jobs: run.jobs.length,
      succeeded: run.jobs.filter((job) => job.status === 'succeeded').length,
      workerLost: run.jobs.filter((job) => job.error_code === 'WORKER_LOST').length,
      kills: run.kills.length,
      interruptedJobs: interrupted.size,
      attemptsHistogram: histogram,
      minutes: Number(minutes.toFixed(2)),
      jobsPerMinute: Number((run.jobs.length / minutes).toFixed(1)),
    }),
  );
}
