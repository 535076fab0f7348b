// `npm run bench:api`: the API at 10,000 and 1,000,000 jobs and log rows, and the workers' throughput.
// Uses the MySQL/MariaDB and Redis servers already running (a throwaway database and key prefix of its
// own, removed at the end), starts the built API (and workers) as processes, measures with
// autocannon, and writes the table into docs/benchmarks.md (full runs only).
//   npm run bench:api -- [--quick] [--only api,post,workers] [--seconds 10] [--write]
//   (--only post: POST /backups at 1, 10 and 50 connections beside the durable-insert floor, alone)
//   BENCH_API_ROOT: run the API and workers built in another checkout (same bench, other code)
//   servers: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (redis://127.0.0.1:6379)
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDatabase, migrate, seedHistory } from '@strongbox/db';
import { connectRedis, createQueue } from '@strongbox/queue';
import { freePort, startApi } from '@strongbox/services';
import { jobBatches } from '../apps/api/dist/lib/job-batches.js';
import { loadApi, loadFloor } from './bench-api-load.mjs';
import { formatPostReport, formatReport, writeSection } from './bench-api-report.mjs';
import { makeFolders, startWorkers, timeQueueLatency, timeThroughput } from './bench-api-workers.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const value = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const only = value('--only')?.split(',') ?? ['api', 'post', 'workers'];
const settings = {
  sizes: quick ? [2_000, 20_000] : [10_000, 1_000_000],
  seconds: Number(value('--seconds') ?? (quick ? 3 : 10)),
  warmupSeconds: quick ? 1 : 2,
  connections: 50,
  postWithWorkers: quick ? 500 : 5_000,
  throughputFolders: quick ? 100 : 1_000,
  files: 10,
  processes: [1, 2, 4],
  latencySamples: quick ? 5 : 20,
  postConnections: [1, 10, 50],
  postSeed: quick ? 2_000 : 10_000,
};
const mysqlServer = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (message) => process.stderr.write(`${message}\n`);

const run = randomBytes(4).toString('hex');
const prefix = `sbbench-${run}`;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strongbox-bench-api-'));
const databases = [];
const redis = connectRedis(redisUrl, 'producer');
const rows = [];
const postRows = [];
let workers;
try {
  if (only.includes('api')) await benchApi();
  if (only.includes('post')) await benchPost();
  if (only.includes('workers')) workers = await benchWorkers();
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${await serverVersion()}`;
  const report = formatReport({ rows, workers, when: `${when} UTC`, machine, full: !quick });
  if (rows.length || workers) process.stdout.write(`${report}\n`);
  else process.stdout.write(`Run of ${when} UTC, ${machine}.\n`);
  if (postRows.length) process.stdout.write(`\n${formatPostReport(postRows)}\n`);
  if ((!quick && only.length === 3) || args.includes('--write')) {
    writeSection(
      path.join(repo, 'docs', 'benchmarks.md'),
      '## The API at a million jobs (`npm run bench:api`)',
      report,
    );
    log('written into docs/benchmarks.md');
  }
} finally {
  await cleanUp();
}

async function benchApi() {
  const stack = await startStack('api');
  const { db, url } = stack;
  const floorDb = await connectDatabase(stack.databaseUrl, { connectionLimit: settings.connections });
  await floorDb.query('CREATE TABLE floor_job LIKE backup_job');
  const floorQueue = createQueue({ connection: redis, prefix: `${prefix}-floor` });
  try {
    let seeded = 0;
    for (const size of settings.sizes) {
      const started = performance.now();
      seeded += await seedHistory(db, { jobs: size - seeded });
      await db.query('ANALYZE TABLE backup_job, log, folder_summary');
      log(
        `seeded ${seeded.toLocaleString('en')} jobs and log rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      const probes = await probesFor(db, size);
      const measure = async (work, next, extra = {}) => {
        const result = await loadApi({ url, ...common(), next });
        log(
          `${work} @${size}: ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`,
        );
        rows.push({ work, size, result, ...extra });
      };
      await measure('GET /backups/{id}', (n) => ({ path: `/backups/${probes.ids[n % probes.ids.length]}` }));
      await measure('GET /backups?limit=100, first page', () => ({ path: '/backups?limit=100' }));
      await measure('GET /backups?limit=100, deep cursor', () => ({
        path: `/backups?limit=100&cursor=${probes.deepCursor}`,
      }));
      await measure('GET /stats', () => ({ path: '/stats' }));
      await measure('GET /logs, one day', () => ({
        path: `/logs?from=${probes.day}&to=${probes.day}&limit=100`,
      }));
      // The seed spreads its jobs over 300 folders: a page of 100 folder summaries, and one folder.
      await measure('GET /folders?limit=100', () => ({ path: '/folders?limit=100' }));
      await measure('GET /folders/{folder}', (n) => ({ path: `/folders/seed%2F${n % 300}` }));
      if (size === settings.sizes.at(-1)) {
        // The same reads one at a time: the time of one request, without 49 others queued beside it.
        for (const [work, path] of [
          [
            'GET /backups?limit=100, deep cursor, 1 connection',
            `/backups?limit=100&cursor=${probes.deepCursor}`,
          ],
          ['GET /stats, 1 connection', '/stats'],
          ['GET /folders?limit=100, 1 connection', '/folders?limit=100'],
          ['GET /logs, one day, 1 connection', `/logs?from=${probes.day}&to=${probes.day}&limit=100`],
        ]) {
          const result = await loadApi({ url, ...common(), connections: 1, next: () => ({ path }) });
          log(
            `${work} @${size}: ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`,
          );
          rows.push({ work, size, result });
        }
      }
      await measure(
        'POST /backups, no workers',
        (n) => ({ method: 'POST', path: '/backups', body: { folder: `bench/${size}/${n}` } }),
        { floorOf: 'floor: durable INSERT' },
      );
      // What any request costs here (HTTP, the hooks, JSON), with no MySQL or Redis behind it.
      await measure('floor: GET /health (HTTP alone)', () => ({ path: '/health' }));
      const floor = async (work, once) => {
        const result = await loadFloor({ ...common(), once });
        log(
          `${work} @${size}: ${Math.round(result.reqPerSec)} /s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`,
        );
        rows.push({ work, size, result });
      };
      await floor('floor: durable INSERT', (n) => floorInsert(floorDb, `floor/${size}/${n}`));
      await floor('floor: Queue.add', (n) => {
        const id = randomUUID();
        return floorQueue.add('backup', { id, folder: `floor/${size}/${n}` }, { jobId: id });
      });
    }
  } finally {
    await floorQueue.close();
    await floorDb.end();
    await stack.stop();
  }
}

/**
 * POST /backups at 1, 10 and 50 connections on a database of `postSeed` ended jobs, each beside
 * the durable-insert floor at the same number in flight; at 50, what a request costs apart: HTTP
 * alone (GET /health) and a bare Queue.add.
 */
async function benchPost() {
  const stack = await startStack('post');
  const most = Math.max(...settings.postConnections);
  const floorDb = await connectDatabase(stack.databaseUrl, { connectionLimit: most });
  await floorDb.query('CREATE TABLE floor_job LIKE backup_job');
  const floorQueue = createQueue({ connection: redis, prefix: `${prefix}-postfloor` });
  try {
    await seedHistory(stack.db, { jobs: settings.postSeed });
    await stack.db.query('ANALYZE TABLE backup_job, log, folder_summary');
    const measure = async (work, connections, load) => {
      const result = await load({
        connections,
        seconds: settings.seconds,
        warmupSeconds: settings.warmupSeconds,
      });
      log(
        `${work} @${connections}: ${Math.round(result.reqPerSec)} /s, p50 ${result.p50} ms, p99 ${result.p99} ms`,
      );
      postRows.push({ work, connections, result });
    };
    for (const connections of settings.postConnections) {
      await measure('POST /backups', connections, (options) =>
        loadApi({
          url: stack.url,
          ...options,
          next: (n) => ({ method: 'POST', path: '/backups', body: { folder: `post/${connections}/${n}` } }),
        }),
      );
      await measure('floor: durable INSERT', connections, (options) =>
        loadFloor({
          ...options,
          once: (n) => floorInsert(floorDb, `floor/${connections}/${n}`),
        }),
      );
    }
    // The API's group commit alone, from this process: MySQL and Redis without HTTP.
    const recordDb = await connectDatabase(stack.databaseUrl);
    const recordQueue = createQueue({ connection: redis, prefix: `${prefix}-postrecord` });
    let batches = 0;
    let jobs = 0;
    const batcher = jobBatches({
      db: recordDb,
      queue: recordQueue,
      afterCommit: async (created) => {
        batches++;
        jobs += created.length;
      },
    });
    try {
      for (const connections of settings.postConnections) {
        [batches, jobs] = [0, 0];
        await measure('group commit alone (insertJobs + Queue.addBulk, no HTTP)', connections, (options) =>
          loadFloor({
            ...options,
            once: (n) => batcher.record({ input: { kind: 'backup', folder: `record/${connections}/${n}` } }),
          }),
        );
        postRows.at(-1).work += `, ${(jobs / Math.max(batches, 1)).toFixed(1)} jobs a batch`;
      }
    } finally {
      await recordQueue.close();
      await recordDb.end();
    }
    await measure('GET /health (HTTP alone)', most, (options) =>
      loadApi({ url: stack.url, ...options, next: () => ({ path: '/health' }) }),
    );
    await measure('Queue.add', most, (options) =>
      loadFloor({
        ...options,
        once: (n) => {
          const id = randomUUID();
          return floorQueue.add('backup', { id, folder: `floor/${n}` }, { jobId: id });
        },
      }),
    );
  } finally {
    await floorQueue.close();
    await floorDb.end();
    await stack.stop();
  }
}

/** The durable-insert floor's work: the row of a new queued backup, alone, autocommitted. */
function floorInsert(floorDb, folder) {
  return floorDb.execute(
    `INSERT INTO floor_job (id, kind, folder, schedule_id, params, status, created_at, queued_key,
       idempotency_key, request_fingerprint)
     VALUES (?, 'backup', ?, NULL, NULL, 'queued', UTC_TIMESTAMP(3), ?, NULL, NULL)`,
    [randomUUID(), folder, folder.padEnd(64, '-').slice(0, 64)],
  );
}

async function benchWorkers() {
  const throughput = [];
  let latency;
  for (const processes of settings.processes) {
    const stack = await startStack(`t${processes}`);
    try {
      const folders = makeFolders(stack.sourceRoot, 'many', settings.throughputFolders, settings.files);
      const running = await startWorkers(stack.appOptions, processes);
      try {
        if (processes === 2) {
          // POST with workers running, folders they really back up.
          const posted = makeFolders(stack.sourceRoot, 'posted', settings.postWithWorkers, 1);
          const result = await loadApi({
            url: stack.url,
            ...common(),
            amount: settings.postWithWorkers,
            next: (n) => ({ method: 'POST', path: '/backups', body: { folder: posted[n % posted.length] } }),
          });
          log(`POST /backups with 2 workers: ${Math.round(result.reqPerSec)} req/s, p99 ${result.p99} ms`);
          rows.push({ work: 'POST /backups, 2 workers running', size: undefined, result });
          await waitIdle(stack.db);
        }
        const measured = await timeThroughput({ url: stack.url, db: stack.db, folders, log });
        log(`${processes} worker(s): ${Math.round(measured.jobsPerMinute)} jobs/min`);
        throughput.push({ processes, ...measured });
        if (processes === 1) {
          const idle = makeFolders(stack.sourceRoot, 'idle', settings.latencySamples, settings.files);
          latency = await timeQueueLatency({ url: stack.url, db: stack.db, folders: idle });
          log(`POST to running: p50 ${latency.p50} ms, max ${latency.max} ms`);
        }
      } finally {
        await running.stop();
      }
    } finally {
      await stack.stop();
    }
  }
  return {
    folders: settings.throughputFolders,
    files: settings.files,
    concurrency: 2,
    throughput,
    latency,
  };
}

function common() {
  return {
    connections: settings.connections,
    seconds: settings.seconds,
    warmupSeconds: settings.warmupSeconds,
  };
}

/** A database, key prefix and folders of their own, migrated, with the built API answering. */
async function startStack(name) {
  const database = `strongbox_bench_${run}_${name}`;
  databases.push(database);
  const databaseUrl = `${mysqlServer}/${database}`;
  const db = await connectDatabase(databaseUrl);
  await migrate(db);
  const sourceRoot = path.join(root, name, 'data');
  const backupFolder = path.join(root, name, 'backup');
  fs.mkdirSync(sourceRoot, { recursive: true });
  fs.mkdirSync(backupFolder, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const appOptions = {
    // BENCH_API_ROOT: another checkout's built apps (e.g. the code before a change), for A/B runs.
    root: process.env.BENCH_API_ROOT ?? repo,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: `${prefix}-${name}`,
      SOURCE_ROOT: sourceRoot,
      BACKUP_FOLDER: backupFolder,
      PORT: String(port),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      // The bench is one client sending tens of thousands of requests a second.
      RATE_LIMIT_MAX: '0',
    },
    // Quiet while measuring; a failure to start shows the app's last lines.
    output: () => {},
  };
  // Workers log at info (startWorker reads their start from it); the API at warn, as a busy
  // deployment would, since at info each request writes two lines.
  const api = await startApi({ ...appOptions, env: { ...appOptions.env, LOG_LEVEL: 'warn' }, url });
  return {
    db,
    url,
    databaseUrl,
    sourceRoot,
    appOptions,
    async stop() {
      await api.stop();
      await db.end();
    },
  };
}

/** Waits until no job of the stack is queued or running. */
async function waitIdle(db) {
  for (;;) {
    const [[row]] = await db.query(
      "SELECT COUNT(*) AS n FROM backup_job WHERE status IN ('queued', 'running')",
    );
    if (Number(row.n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Job ids spread over the table, a cursor near its oldest end, and a day in its middle. */
async function probesFor(db, size) {
  const [[range]] = await db.query('SELECT MIN(seq) AS low, MAX(seq) AS high FROM backup_job');
  const [low, high] = [Number(range.low), Number(range.high)];
  const seqs = Array.from({ length: 1000 }, () => low + Math.floor(Math.random() * (high - low + 1)));
  const [found] = await db.query('SELECT id FROM backup_job WHERE seq IN (?)', [seqs]);
  const deepSeq = low + Math.floor(size / 10);
  return {
    ids: found.map((row) => row.id),
    deepCursor: Buffer.from(JSON.stringify([deepSeq])).toString('base64url'),
    day: new Date(Date.now() - 180 * 86_400_000).toISOString().slice(0, 10),
  };
}

async function serverVersion() {
  const db = await connectDatabase(`${mysqlServer}/mysql`);
  try {
    const [[row]] = await db.query('SELECT VERSION() AS version, @@innodb_flush_log_at_trx_commit AS flush');
    return `MariaDB/MySQL ${row.version} (innodb_flush_log_at_trx_commit=${row.flush})`;
  } finally {
    await db.end();
  }
}

async function cleanUp() {
  const admin = await connectDatabase(`${mysqlServer}/mysql`).catch(() => null);
  for (const database of databases) await admin?.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin?.end();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}-*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
  fs.rmSync(root, { recursive: true, force: true });
}
