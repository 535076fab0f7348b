// `npm run bench -- --repository-prune [--chunks 1000000] [--s3]`: Strongbox's prune against restic
// 0.14's `prune`, on repositories of the same shape (docs/benchmarks.md, "Issue 19: prune against
// restic"). --chunks takes one size or several (`--chunks 100000,1000000`), each a run of its own.
//
// The shape (syntheticPlan in packages/engine/src/object/synthetic-repository.ts): N distinct
// chunks of 256 bytes, one a file, 1,000 files a directory, over 10 snapshots of N/10 new chunks
// each; the odd snapshots are forgotten, and snapshots 3 and 7 lend every third chunk of theirs to
// 4 and 8, so that 43% of the chunks become garbage: whole packs (snapshots 1, 5, 9) and packs two
// thirds garbage (3 and 7), which both tools repack.
// - Strongbox: the repository is written directly through the engine's writers (packs, trees,
//   snapshot objects, the catalog's rows in a throwaway MariaDB database), the forgotten snapshots'
//   objects deleted as retention does; no file is read.
// - restic: the same plan as files (a hard link for a lent chunk's file), one `restic backup` a
//   snapshot into a version 2 repository with restic's own pack size, then `restic forget` of the
//   odd snapshots.
// Then each tool's prune runs in a process of its own under /usr/bin/time: wall time, peak RSS.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogBlobIndex, connectDatabase, migrate, rebuildCatalog } from '@strongbox/db';
import {
  ObjectRepository,
  syntheticChunks,
  syntheticGarbage,
  syntheticPlan,
  writeSyntheticRepository,
} from '@strongbox/engine/object';
import { startS3Server } from '@strongbox/services';
import { storeFromUrl } from '@strongbox/storage';
import { canDropCaches, machine, rmrf, run, settle } from './bench-engine.mjs';
import { CREDENTIALS, filePlaces, measured, PASSWORD, s3Places } from './bench-repository.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const MIB = 1024 * 1024;
/** The shape of every size but its number of chunks. */
const SHAPE = { snapshots: 10, chunkSize: 256, filesPerDirectory: 1000 };

/**
 * Builds both repositories of `opts.chunks` chunks (file:// or, with `opts.s3`, one moto_server),
 * runs each tool's prune once, and answers a row per tool: time, peak RSS, and the repository's size
 * and objects before and after.
 */
export async function benchPrune(opts) {
  const { dir: root, log, chunks } = opts;
  const tools = opts.tools ?? ['restic', 'strongbox'];
  const shape = { ...SHAPE, chunks };
  const plan = syntheticPlan(shape);
  const dropCaches = canDropCaches();
  const mysqlServer = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
  const database = `strongbox_bench_prune_${randomBytes(4).toString('hex')}`;
  const admin = await connectDatabase(`${mysqlServer}/mysql`);
  const server = opts.s3 ? await startS3Server({ dataDir: path.join(root, 'moto') }) : null;
  const place = server ? s3Places(server.url) : filePlaces(path.join(root, 'repositories'));
  const rows = [];
  const setup = {};
  /** Times one prune process on a place, and the place's size around it. */
  const timePrune = async (tool, p, prune) => {
    const before = await p.usage();
    await settle(dropCaches);
    const started = performance.now();
    const { stdout, rssMiB } = await prune();
    const ms = performance.now() - started;
    const after = await p.usage();
    log(`${tool}: ${ms.toFixed(0)} ms, peak RSS ${rssMiB.toFixed(0)} MiB`);
    log(stdout.trim());
    rows.push({ tool, ms, rssMiB, before, after, output: stdout.trim() });
    return rows.at(-1);
  };
  try {
    await admin.query(`CREATE DATABASE \`${database}\``);
    const databaseUrl = `${mysqlServer}/${database}`;
    const db = await connectDatabase(databaseUrl);
    try {
      await migrate(db);
      if (tools.includes('restic')) {
        const t = performance.now();
        const restic = await resticRepository(await place.create('restic'), plan, shape, {
          root,
          endpoint: server?.url,
          log,
        });
        setup.resticMs = performance.now() - t;
        log(`restic: files made, backed up and forgotten in ${(setup.resticMs / 1000).toFixed(0)} s`);
        await timePrune('restic', restic.place, () => measured('restic', ['prune'], restic.env));
      }
      if (tools.includes('strongbox')) {
        const sbPlace = await place.create('strongbox');
        const t = performance.now();
        const written = await strongboxRepository(sbPlace, shape, db, log);
        setup.strongboxMs = performance.now() - t;
        log(`strongbox: ${chunks} chunks generated in ${(setup.strongboxMs / 1000).toFixed(0)} s`);
        // Each prune in a process of its own. Strongbox deletes in two steps (docs/repository.md,
        // "Maintenance"): the first prune condemns and repacks, the next deletes what stayed
        // garbage; both run, and their sum is what compares with restic's one prune.
        const prune = () =>
          measured(
            process.execPath,
            [
              ...(opts.heapProf ? ['--heap-prof', `--heap-prof-dir=${opts.heapProf}`] : []),
              path.join(here, 'bench-repository-strongbox.mjs'),
              JSON.stringify({
                op: 'prune',
                url: sbPlace.url,
                s3: sbPlace.s3,
                password: PASSWORD,
                databaseUrl,
              }),
            ],
            process.env,
          );
        const first = await timePrune('Strongbox, first prune', sbPlace, prune);
        const second = await timePrune('Strongbox, second prune', sbPlace, prune);
        rows.push({
          tool: 'Strongbox, both',
          ms: first.ms + second.ms,
          rssMiB: Math.max(first.rssMiB, second.rssMiB),
          before: first.before,
          after: second.after,
        });
        setup.verified = await verifyKept(sbPlace, db, written, log);
      }
    } finally {
      await db.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
    await server?.stop();
  }
  return {
    chunks,
    garbage: syntheticGarbage(plan),
    shape,
    setup,
    rows,
    kind: opts.s3 ? 's3' : 'file',
    machine: machine(),
    cache: dropCaches ? 'dropped before each prune' : 'warm',
  };
}

/**
 * Strongbox's repository of the shape, written through the engine's writers with the catalog of
 * `db` as its index; then the kept snapshots' backup jobs, as a catalog rebuilt from it has them.
 */
async function strongboxRepository(place, shape, db, log) {
  const store = await storeFromUrl(place.url, place.s3 ?? {});
  try {
    const index = (id) => catalogBlobIndex(db, id);
    const written = await writeSyntheticRepository(store, {
      password: PASSWORD,
      shape,
      index,
      onSnapshot: (k) => log(`strongbox: snapshot ${k + 1} of ${shape.snapshots} written`),
    });
    await rebuildCatalog(db, new ObjectRepository(store, { password: PASSWORD, index }));
    return written;
  } finally {
    store.close();
  }
}

/**
 * After the prunes (untimed): every kept snapshot verifies (each blob read and authenticated), and
 * no pack is left that no snapshot references. Answers the files verified.
 */
async function verifyKept(place, db, written, log) {
  const store = await storeFromUrl(place.url, place.s3 ?? {});
  try {
    const repository = new ObjectRepository(store, {
      password: PASSWORD,
      index: (id) => catalogBlobIndex(db, id),
    });
    let files = 0;
    for (const { jobId, forgotten } of written.snapshots) {
      if (forgotten) continue;
      files += (await repository.verify(jobId)).files;
    }
    const left = await repository.unreferencedPacks();
    if (left.length > 0) throw new Error(`after two prunes, ${left.length} packs are still unreferenced`);
    log(
      `strongbox: after the prunes, every kept snapshot verifies (${files} files), no pack is unreferenced`,
    );
    return files;
  } finally {
    store.close();
  }
}

/**
 * restic's repository of the plan: the files made, one `restic backup` a snapshot (a version 2
 * repository, restic's own pack size), the odd snapshots forgotten. The files are removed after.
 */
async function resticRepository(place, plan, shape, { root, endpoint, log }) {
  const source = path.join(root, 'source');
  const t = performance.now();
  makePlanFiles(source, plan, shape.chunkSize);
  log(`restic: ${shape.chunks} files made in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const env = {
    ...process.env,
    RESTIC_PASSWORD: PASSWORD,
    RESTIC_REPOSITORY: endpoint ? `s3:${endpoint}/${place.bucket}` : place.dir,
    RESTIC_CACHE_DIR: fs.mkdtempSync(path.join(root, 'restic-cache-')),
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  };
  const restic = (args, options = {}) => run('restic', args, { ...options, env });
  await restic(['init', '--repository-version', '2', '-q']);
  const ids = [];
  for (const snapshot of plan) {
    const out = await restic(
      ['backup', '--json', '-q', '--host', 'bench', path.join(source, `s${snapshot.index}`)],
      { capture: true },
    );
    const summary = out
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((m) => m.message_type === 'summary');
    ids.push(summary.snapshot_id);
    log(`restic: snapshot ${snapshot.index + 1} of ${plan.length} backed up`);
  }
  await restic(['forget', '-q', ...ids.filter((_, k) => plan[k].forgotten)]);
  await rmrf(source);
  return { place, env };
}

/**
 * The plan as files: `s<k>/<directory>/f<n>`, each file one chunk's bytes; a chunk a snapshot lends
 * is a hard link to the lender's file (restic reads it again and finds the blob stored).
 */
function makePlanFiles(source, plan, chunkSize) {
  const chunk = syntheticChunks(chunkSize);
  const lent = new Set();
  for (const snapshot of plan)
    for (const dir of snapshot.directories)
      if (dir.name.startsWith('shared-')) for (const i of dir.chunks) lent.add(i);
  const first = new Map();
  for (const snapshot of plan) {
    for (const dir of snapshot.directories) {
      const d = path.join(source, `s${snapshot.index}`, dir.name);
      fs.mkdirSync(d, { recursive: true });
      dir.chunks.forEach((i, n) => {
        const file = path.join(d, `f${String(n).padStart(6, '0')}`);
        const lender = first.get(i);
        if (lender) fs.linkSync(lender, file);
        else {
          fs.writeFileSync(file, chunk(i));
          if (lent.has(i)) first.set(i, file);
        }
      });
    }
  }
}

const seconds = (ms) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(0)} s`);
const size = (bytes) => `${(bytes / MIB).toFixed(1)} MiB`;

/** A table per run: restic's prune and Strongbox's two, and the ratios Strongbox / restic. */
export function formatPruneTable(results) {
  const lines = [];
  for (const r of results) {
    const restic = r.rows.find((x) => x.tool === 'restic');
    lines.push(
      `${r.chunks.toLocaleString('en')} chunks (${r.garbage.toLocaleString('en')} garbage), ${r.shape.snapshots} snapshots, ${r.kind === 's3' ? 'moto_server' : 'file://'}; ${r.machine.cpus} CPUs (${r.machine.cpu}), ${r.machine.filesystem}, Node ${r.machine.node}; page cache ${r.cache}.`,
      `Setup, not in the times below: Strongbox's repository generated in ${seconds(r.setup.strongboxMs)}; restic's files made, backed up and forgotten in ${seconds(r.setup.resticMs)}.${r.setup.verified ? ` After Strongbox's prunes every kept snapshot verifies (${r.setup.verified.toLocaleString('en')} files) and no pack is unreferenced.` : ''}`,
      '',
      '| tool | prune time (ms) | time S/r | peak RSS (MiB) | RSS S/r | size before | size after | objects before | objects after |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const row of r.rows) {
      const ratio = (a, b) => (row === restic || b === undefined ? '' : `${(a / b).toFixed(2)}x`);
      lines.push(
        `| ${row.tool} | ${row.ms.toFixed(0)} | ${ratio(row.ms, restic?.ms)} | ${row.rssMiB.toFixed(0)} | ${ratio(row.rssMiB, restic?.rssMiB)} | ${size(row.before.bytes)} | ${size(row.after.bytes)} | ${row.before.objects} | ${row.after.objects} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
