// `npm run bench`: the engine against cp -a, rsync -a, rsync --link-dest, fs-extra and fs.cp (see
// bench-engine.mjs), plus the whole job as a user sees it: POST /backups to `succeeded`, through the
// real API and a worker on throwaway Redis and MariaDB. Prints one table with ratios to rsync.
//   npm run bench -- [--runs 3] [--only a,b,c] [--million]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startMariadb, startRedis } from '@strongbox/services';
import { benchEngine, formatTable } from './bench-engine.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(value('--runs') ?? 3);
const only = value('--only')?.split(',') ?? ['a', 'b', 'c'];
const log = (message) => process.stderr.write(`${message}\n`);
const million = args.includes('--million') || only.includes('d') || process.env.BENCH_MILLION === '1';

const root = fs.mkdtempSync(path.join(repo, '..', 'strongbox-bench-'));
try {
  const result = await benchEngine({
    runs,
    only,
    dir: root,
    keep: true,
    log,
    million,
  });
  const jobs = [];
  if (only.includes('a')) jobs.push({ scenario: '(a) 20k small files', folder: 'small', count: runs });
  if (million) jobs.push({ scenario: '(d) 1,000,000 files', folder: 'million', count: 1 });
  if (jobs.length > 0) {
    for (const job of await benchWholeJobs(root, jobs)) {
      const rsync = result.rows.find((r) => r.scenario === job.scenario && r.tool === 'rsync -a');
      result.rows.push({ ...job, vsRsync: rsync ? job.medianMs / rsync.medianMs : null });
    }
  }
  process.stdout.write(`${formatTable(result)}\n`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}

/**
 * Times POST /backups → succeeded through a real API and one worker, each run a full (not
 * incremental) snapshot, and reads the worker's peak RSS (VmHWM) after each scenario.
 */
async function benchWholeJobs(sourceRoot, scenarios) {
  const work = fs.mkdtempSync(path.join(root, 'stack-'));
  const backupFolder = path.join(work, 'backup');
  const redis = await startRedis({ dataDir: path.join(work, 'redis') });
  const mariadb = await startMariadb({ dataDir: path.join(work, 'mariadb') });
  const port = await freePort();
  const env = {
    ...process.env,
    REDIS_URL: redis.url,
    DATABASE_URL: `${mariadb.url}/strongbox`,
    SOURCE_ROOT: sourceRoot,
    BACKUP_FOLDER: backupFolder,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  const children = [];
  const launch = (main) => {
    const child = spawn(process.execPath, [path.join(repo, main)], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    return child;
  };
  const url = `http://127.0.0.1:${port}`;
  const backup = async (folder, wait = 0) => {
    const response = await fetch(`${url}/backups${wait ? `?wait=${wait}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ folder }),
    });
    return { status: response.status, job: await response.json() };
  };
  try {
    launch('apps/api/dist/main.js');
    await until(async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true);
    const worker = launch('apps/worker/dist/main.js');
    await until(async () => (await fetch(`${url}/ready`).catch(() => null))?.ok === true);
    // One small job first, so that the worker is up and the timed runs measure only the backups.
    fs.mkdirSync(path.join(sourceRoot, 'warm-up'), { recursive: true });
    fs.writeFileSync(path.join(sourceRoot, 'warm-up', 'file'), 'warm');
    const warm = await backup('warm-up', 120);
    if (warm.status !== 200) throw new Error(`the warm-up job did not succeed: ${JSON.stringify(warm.job)}`);

    const rows = [];
    for (const { scenario, folder, count } of scenarios) {
      const times = [];
      for (let i = 0; i < count; i++) {
        // No previous snapshot on disk: every run copies everything, as rsync -a into an empty folder does.
        fs.rmSync(path.join(backupFolder, folder), { recursive: true, force: true });
        await new Promise((resolve) => spawn('sync').on('exit', resolve));
        const started = performance.now();
        let { job } = await backup(folder);
        const id = job.id;
        while (job.status === 'queued' || job.status === 'running') {
          await new Promise((resolve) => setTimeout(resolve, 20));
          job = await (await fetch(`${url}/backups/${id}`)).json();
        }
        const ms = performance.now() - started;
        if (job.status !== 'succeeded') throw new Error(`bench job failed: ${JSON.stringify(job.error)}`);
        times.push(ms);
        log(
          `${scenario.padEnd(28)} ${'whole job (API+worker)'.padEnd(22)} run ${i + 1}: ${ms.toFixed(0)} ms`,
        );
      }
      const peakRssMiB = peakRss(worker.pid);
      const sorted = [...times].sort((a, b) => a - b);
      rows.push({
        scenario,
        tool: 'strongbox whole job (POST → succeeded)',
        medianMs: sorted[Math.floor(sorted.length / 2)],
        runsMs: times,
        ...(scenario.startsWith('(d)') ? { metric: `worker peak RSS ${peakRssMiB.toFixed(0)} MiB` } : {}),
        peakRssMiB,
      });
    }
    return rows;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', resolve))),
      ),
    );
    await redis.stop();
    await mariadb.stop();
  }
}

/** The highest resident set a process has had so far, in MiB (Linux). */
function peakRss(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

async function until(check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the bench stack did not come up');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
