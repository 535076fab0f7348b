// `npm run bench`: the engine against cp -a, rsync -a, rsync --link-dest, fs-extra and fs.cp (see
// bench-engine.mjs), plus the whole job as a user sees it: POST /backups to `succeeded`, through the
// real API and a worker on throwaway Redis and MariaDB, timed in the same interleaved rounds as (a).
// Prints one table with ratios to rsync.
//   npm run bench -- [--runs 3] [--only a,b,c,d] [--million] [--profile] [--tools rsync,engine,job]
// `npm run bench -- --repository s3|file`: the object repository against restic instead (bench-repository.mjs).
// `npm run bench -- --repository-prune [--chunks N[,M]] [--s3] [--tools restic,strongbox] [--heap-prof DIR]`:
// prune against restic's (bench-prune.mjs).
// --profile adds the disk's view of every timed run and the engine's time per phase (bench-engine.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startApi, startMariadb, startRedis, startWorker } from '@strongbox/services';
import { benchEngine, clock, formatProfile, formatTable } from './bench-engine.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(value('--runs') ?? 3);
const only = value('--only')?.split(',') ?? ['a', 'b', 'c'];
const million = args.includes('--million') || only.includes('d') || process.env.BENCH_MILLION === '1';
const profile = args.includes('--profile');
// --tools rsync,engine,job: only the tools whose names hold one of these words.
const tools = value('--tools')?.split(',');
const log = (message) => process.stderr.write(`${message}\n`);
const JOB_TOOL = 'strongbox whole job (POST → succeeded)';

const root = fs.mkdtempSync(path.join(repo, '..', 'strongbox-bench-'));
if (args.includes('--repository-prune')) {
  try {
    const { benchPrune, formatPruneTable } = await import('./bench-prune.mjs');
    const results = [];
    for (const chunks of (value('--chunks') ?? '1000000').split(',').map(Number)) {
      results.push(
        await benchPrune({
          chunks,
          s3: args.includes('--s3'),
          tools: value('--tools')?.split(','),
          heapProf: value('--heap-prof') && path.resolve(value('--heap-prof')),
          dir: root,
          log,
        }),
      );
      process.stdout.write(`${formatPruneTable(results.slice(-1))}\n`);
    }
    if (results.length > 1) process.stdout.write(`All sizes:\n\n${formatPruneTable(results)}\n`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  process.exit(0);
}
const repository = value('--repository');
if (repository) {
  try {
    const { benchRepository, formatRepositoryTable } = await import('./bench-repository.mjs');
    const result = await benchRepository({
      kind: repository,
      runs,
      only: value('--only')?.split(','),
      million,
      cpuProf: value('--cpu-prof') && path.resolve(value('--cpu-prof')),
      dir: root,
      log,
    });
    process.stdout.write(`${formatRepositoryTable(result)}\n`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  process.exit(0);
}
const stack = only.includes('a') || million ? await startStack(root) : null;
try {
  const result = await benchEngine({
    runs,
    only,
    dir: root,
    keep: true,
    log,
    million,
    profile,
    tools,
    extraTools: stack ? { a: [[JOB_TOOL, () => stack.timeBackup('small')]] } : {},
  });
  if (stack && million) {
    // A fresh worker process, so that its peak RSS is this backup's alone.
    await stack.restartWorker();
    const ms = await stack.timeBackup('million');
    const rssMiB = stack.workerPeakRssMiB();
    log(`(d) 1M files, whole job: ${ms.toFixed(0)} ms, worker peak RSS ${rssMiB.toFixed(0)} MiB`);
    result.rows.push({
      scenario: '(d) 1,000,000 files',
      tool: JOB_TOOL,
      medianMs: ms,
      runsMs: [ms],
      metric: `worker peak RSS ${rssMiB.toFixed(0)} MiB`,
      peakRssMiB: rssMiB,
    });
  }
  process.stdout.write(`${formatTable(result)}\n`);
  if (profile) {
    const { PHASES } = await import('@strongbox/engine');
    process.stdout.write(`\n${formatProfile(result, PHASES)}\n`);
  }
} finally {
  await stack?.stop();
  fs.rmSync(root, { recursive: true, force: true });
}

/**
 * A real API and one worker with SOURCE_ROOT = the bench's fixtures. `timeBackup` times one full
 * (not incremental) backup from POST to `succeeded`, and removes the snapshot afterwards.
 */
async function startStack(sourceRoot) {
  const work = fs.mkdtempSync(path.join(sourceRoot, 'stack-'));
  const backupFolder = path.join(work, 'backup');
  const redis = await startRedis({ dataDir: path.join(work, 'redis') });
  const mariadb = await startMariadb({ dataDir: path.join(work, 'mariadb') });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const appOptions = {
    root: repo,
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      DATABASE_URL: `${mariadb.url}/strongbox`,
      SOURCE_ROOT: sourceRoot,
      BACKUP_FOLDER: backupFolder,
      PORT: String(port),
      LOG_LEVEL: 'info',
      // The bench polls a job every 20 ms: a 1,000,000-file job would meet the rate limit.
      RATE_LIMIT_MAX: '0',
    },
    // Quiet while timing; a failure to start shows the app's last lines.
    output: () => {},
  };
  const post = async (folder, wait = 0) => {
    const response = await fetch(`${url}/backups${wait ? `?wait=${wait}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ folder }),
    });
    return { status: response.status, job: await response.json() };
  };
  const startWarmWorker = async () => {
    const child = await startWorker(appOptions);
    // A small job, so that the worker has loaded everything before anything is timed.
    fs.mkdirSync(path.join(sourceRoot, 'warm-up'), { recursive: true });
    fs.writeFileSync(path.join(sourceRoot, 'warm-up', 'file'), String(Date.now()));
    const warm = await post('warm-up', 120);
    if (warm.status !== 200) throw new Error(`the warm-up job did not succeed: ${JSON.stringify(warm.job)}`);
    return child;
  };

  const api = await startApi({ ...appOptions, url });
  let worker = await startWarmWorker();
  return {
    async timeBackup(folder) {
      let job;
      // clock() also records the disk's view of the run for --profile.
      const ms = await clock(async () => {
        ({ job } = await post(folder));
        const id = job.id;
        while (job.status === 'queued' || job.status === 'running') {
          await new Promise((resolve) => setTimeout(resolve, 20));
          job = await (await fetch(`${url}/backups/${id}`)).json();
        }
      });
      if (job.status !== 'succeeded') throw new Error(`bench job failed: ${JSON.stringify(job.error)}`);
      // No previous snapshot for the next run: every run copies everything, as rsync -a into an
      // empty folder does. The folder's snapshots and manifests share the directory above the
      // snapshot, wherever the engine's layout puts it.
      fs.rmSync(path.dirname(path.join(backupFolder, job.result.snapshot)), { recursive: true, force: true });
      return ms;
    },
    async restartWorker() {
      await worker.stop();
      worker = await startWarmWorker();
    },
    workerPeakRssMiB() {
      const status = fs.readFileSync(`/proc/${worker.child.pid}/status`, 'utf8');
      return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
    },
    async stop() {
      await Promise.all([worker.stop(), api.stop()]);
      await redis.stop();
      await mariadb.stop();
    },
  };
}
