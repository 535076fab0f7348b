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

const root = fs.mkdtempSync(path.join(repo, '..', 'strongbox-bench-'));
try {
  const result = await benchEngine({
    runs,
    only,
    dir: root,
    keep: true,
    log,
    million: args.includes('--million') || process.env.BENCH_MILLION === '1',
  });
  if (only.includes('a')) {
    const job = await benchWholeJob(root, 'small', runs);
    const rsync = result.rows.find((r) => r.scenario === '(a) 20k small files' && r.tool === 'rsync -a');
    result.rows.push({ ...job, vsRsync: rsync ? job.medianMs / rsync.medianMs : null });
  }
  process.stdout.write(`${formatTable(result)}\n`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}

/** Times POST /backups → succeeded for `folder`, each run a full (not incremental) snapshot. */
async function benchWholeJob(sourceRoot, folder, count) {
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
  try {
    launch('apps/api/dist/main.js');
    const url = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true);
    launch('apps/worker/dist/main.js');
    await until(async () => (await fetch(`${url}/ready`).catch(() => null))?.ok === true);
    // One small job first, so that the worker is up and the timed runs measure only the backups.
    fs.mkdirSync(path.join(sourceRoot, 'warm-up'), { recursive: true });
    fs.writeFileSync(path.join(sourceRoot, 'warm-up', 'file'), 'warm');
    const warm = await fetch(`${url}/backups?wait=120`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ folder: 'warm-up' }),
    });
    if (warm.status !== 200) throw new Error(`the warm-up job did not succeed: ${await warm.text()}`);
    const times = [];
    for (let i = 0; i < count; i++) {
      // No previous snapshot on disk: every run copies everything, as rsync -a into an empty folder does.
      fs.rmSync(path.join(backupFolder, folder), { recursive: true, force: true });
      await new Promise((resolve) => spawn('sync').on('exit', resolve));
      const started = performance.now();
      const posted = await (
        await fetch(`${url}/backups`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ folder }),
        })
      ).json();
      let job = posted;
      while (job.status === 'queued' || job.status === 'running') {
        await new Promise((resolve) => setTimeout(resolve, 20));
        job = await (await fetch(`${url}/backups/${posted.id}`)).json();
      }
      const ms = performance.now() - started;
      if (job.status !== 'succeeded') throw new Error(`bench job failed: ${JSON.stringify(job.error)}`);
      times.push(ms);
      log(
        `${'(a) 20k small files'.padEnd(28)} ${'whole job (API+worker)'.padEnd(22)} run ${i + 1}: ${ms.toFixed(0)} ms`,
      );
    }
    const sorted = [...times].sort((a, b) => a - b);
    return {
      scenario: '(a) 20k small files',
      tool: 'strongbox whole job (POST → succeeded)',
      medianMs: sorted[Math.floor(sorted.length / 2)],
      runsMs: times,
    };
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

async function until(check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the bench stack did not come up');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
