// Worker throughput and queue latency for bench-api.mjs: real worker processes on the bench's
// database and Redis prefix, backing up many small folders.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorker } from '@strongbox/services';
import { percentile } from './bench-api-load.mjs';

/** Writes `folders` folders of `files` small files under `root/<name>/<n>`; answers their names. */
export function makeFolders(root, name, folders, files) {
  const names = [];
  for (let i = 0; i < folders; i++) {
    const folder = `${name}/${i}`;
    fs.mkdirSync(path.join(root, folder), { recursive: true });
    for (let f = 0; f < files; f++) {
      fs.writeFileSync(path.join(root, folder, `file-${f}.txt`), `folder ${i} file ${f}\n`.repeat(8));
    }
    names.push(folder);
  }
  return names;
}

/** Starts `count` worker processes (WORKER_CONCURRENCY as the environment says) and waits for each. */
export async function startWorkers(appOptions, count) {
  const workers = [];
  for (let i = 0; i < count; i++) workers.push(await startWorker({ ...appOptions, name: `worker-${i + 1}` }));
  return { workers, stop: () => Promise.all(workers.map((worker) => worker.stop())) };
}

/**
 * POSTs a backup of each folder at once, then waits until every one of them has ended. Answers jobs
 * per minute from the first POST to the last end, and how many did not succeed.
 */
export async function timeThroughput({ url, db, folders, log }) {
  const started = performance.now();
  const ids = [];
  for (let i = 0; i < folders.length; i += 50) {
    const batch = folders.slice(i, i + 50);
    ids.push(...(await Promise.all(batch.map((folder) => postBackup(url, folder)))));
  }
  for (;;) {
    const [[row]] = await db.query(
      `SELECT SUM(status IN ('queued', 'running')) AS active, SUM(status <> 'succeeded') AS bad
       FROM backup_job WHERE id IN (?)`,
      [ids],
    );
    if (Number(row.active) === 0) {
      const minutes = (performance.now() - started) / 60_000;
      return { jobsPerMinute: ids.length / minutes, notSucceeded: Number(row.bad), jobs: ids.length };
    }
    log?.(`  ${row.active} of ${ids.length} still queued or running`);
    await sleep(500);
  }
}

/**
 * With every worker idle, POSTs one backup at a time and waits for it to end: answers the median
 * and the largest time from the job's `created_at` to its `started_at` (both from MySQL's clock).
 */
export async function timeQueueLatency({ url, db, folders }) {
  const gaps = [];
  for (const folder of folders) {
    const id = await postBackup(url, folder);
    for (;;) {
      const [[row]] = await db.query(
        `SELECT status, TIMESTAMPDIFF(MICROSECOND, created_at, started_at) / 1000 AS gap
         FROM backup_job WHERE id = ?`,
        [id],
      );
      if (row.status !== 'queued' && row.status !== 'running') {
        gaps.push(Number(row.gap));
        break;
      }
      await sleep(20);
    }
    // Idle again: the worker's own writes after the job are done.
    await sleep(200);
  }
  gaps.sort((a, b) => a - b);
  return { p50: percentile(gaps, 0.5), max: gaps.at(-1), samples: gaps.length };
}

async function postBackup(url, folder) {
  const response = await fetch(`${url}/backups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ folder }),
  });
  const body = await response.json();
  if (response.status !== 202)
    throw new Error(`POST /backups answered ${response.status}: ${JSON.stringify(body)}`);
  return body.id;
}
