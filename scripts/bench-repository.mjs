// `npm run bench -- --repository s3|file`: Strongbox's object repository against restic, on the same
// trees, in the same interleaved rounds, each tool in a process of its own (wall time, peak RSS from
// /usr/bin/time), writing to one moto_server (a bucket per tool and round) or to local directories.
//   npm run bench -- --repository s3|file [--runs 3] [--only a,b,e] [--million] [--cpu-prof DIR]
// Per round and tool: a new repository (created untimed), then
//   small tree: (a) first backup, restore of (a), (c) unchanged, (c) 1% changed;
//   large tree: (b) first backup, restore of (b);
//   one 700 MB file: a first backup, 1 MiB in the middle rewritten, (e) the backup after it.
// --million: one backup of a 1,000,000-file tree per tool, for peak RSS (file:// only).
// Bytes and objects are the repository's growth (bucket listing or directory walk) around a timed step.
import { createCipheriv, createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { startS3Server } from '@strongbox/services';
import {
  canDropCaches,
  machine,
  makeSmallFiles,
  median,
  rmrf,
  run,
  settle,
  touchFraction,
} from './bench-engine.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PASSWORD = 'bench password';
export const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const REGION = 'us-east-1';
const MIB = 1024 * 1024;

/**
 * Runs the scenarios against `opts.kind` ('s3' or 'file') and returns the rows: per scenario and
 * tool, the times of every round and the medians of time, bytes, objects and peak RSS.
 */
export async function benchRepository(opts) {
  const { kind, dir: root, log } = opts;
  const runs = opts.runs ?? 3;
  const only = new Set(opts.only ?? ['a', 'b', 'e']);
  if (kind !== 's3' && kind !== 'file') throw new Error(`--repository is s3 or file, not ${kind}`);
  if (opts.million && kind !== 'file') throw new Error('--million runs on --repository file only');
  const dropCaches = canDropCaches();
  const server = kind === 's3' ? await startS3Server({ dataDir: path.join(root, 'moto') }) : null;
  const place = server ? s3Places(server.url) : filePlaces(path.join(root, 'repositories'));
  const tools = [restic(kind, server?.url, root), strongbox(root, opts.cpuProf)];
  const samples = new Map();
  const record = (scenario, tool, sample) => {
    const k = `${scenario}\0${tool}`;
    if (!samples.has(k)) samples.set(k, { scenario, tool, samples: [] });
    samples.get(k).samples.push(sample);
    log(
      `${scenario.padEnd(30)} ${tool.padEnd(10)} ${sample.ms.toFixed(0).padStart(7)} ms ${size(sample.bytes).padStart(11)} ${String(sample.objects).padStart(6)} objects ${sample.rssMiB.toFixed(0).padStart(5)} MiB RSS`,
    );
  };
  /** Times one step of a tool on a repository: the process, plus a flush of what it wrote. */
  const timed = async (repo, step, flushDir) => {
    await settle(dropCaches);
    const before = await repo.place.usage();
    const t = performance.now();
    const out = await step();
    if (flushDir) await run('sync', ['-f', flushDir]);
    const ms = performance.now() - t;
    const after = await repo.place.usage();
    return { ...out, ms, bytes: after.bytes - before.bytes, objects: after.objects - before.objects };
  };
  try {
    if (only.has('a')) {
      log('generating (a): 20,000 files of 100 B-8 KiB in 100 directories');
      makeSmallFiles(path.join(root, 'small'), 20_000, 100);
    }
    if (only.has('b')) {
      log('generating (b): 4 x 256 MiB of incompressible bytes');
      for (let f = 0; f < 4; f++)
        makeRandomFile(path.join(root, 'large', `large-${f}.bin`), 256, `large-${f}`);
    }
    if (only.has('e')) {
      log('generating (e): one 700 MB file of incompressible bytes');
      makeRandomFile(path.join(root, 'huge', 'huge.bin'), 700_000_000 / MIB, 'huge');
    }
    const flush = kind === 'file';
    for (let round = 0; round < runs; round++) {
      // Each round starts with the other tool, so that neither always follows the other's writes.
      const order = tools.map((_, k) => tools[(k + round) % tools.length]);
      for (const tool of order) {
        /** A new repository for `steps(backup, repo)`, removed after them. */
        const withRepository = async (steps) => {
          const p = await place.create(`${tool.id}-${round}`);
          const repo = { place: p, ...(await tool.init(p)) };
          const flushDir = flush ? p.dir : null;
          await steps((folder) => timed(repo, () => tool.backup(repo, folder), flushDir), repo);
          await tool.close(repo);
          await p.remove();
        };
        const restoreOf = async (repo, folder, scenario) => {
          const target = `restore-${tool.id}-${round}`;
          const s = await timed(repo, () => tool.restore(repo, folder, target), path.join(root, target));
          record(scenario, tool.name, s);
          await rmrf(path.join(root, target));
        };
        if (only.has('a')) {
          await withRepository(async (backup, repo) => {
            record('(a) 20k small files, first', tool.name, await backup('small'));
            await restoreOf(repo, 'small', '(a) restore');
            const unchanged = await backup('small');
            if (unchanged.changedFiles !== undefined && unchanged.changedFiles !== 0)
              throw new Error(`${tool.name}: the unchanged backup read ${unchanged.changedFiles} files`);
            record('(c) unchanged', tool.name, unchanged);
            const touched = touchFraction(path.join(root, 'small'), 0.01, round + 1);
            const changed = await backup('small');
            if (changed.changedFiles !== undefined && changed.changedFiles !== touched)
              throw new Error(`${tool.name}: ${changed.changedFiles} files read again, ${touched} changed`);
            record('(c) 1% changed', tool.name, changed);
          });
        }
        if (only.has('b')) {
          await withRepository(async (backup, repo) => {
            record('(b) 4 x 256 MiB, first', tool.name, await backup('large'));
            await restoreOf(repo, 'large', '(b) restore');
          });
        }
        if (only.has('e')) {
          await withRepository(async (backup) => {
            record('(e) 700 MB, first backup', tool.name, await backup('huge'));
            rewriteMiddle(path.join(root, 'huge', 'huge.bin'), `${tool.id}-${round}`);
            record('(e) 700 MB, 1 MiB changed', tool.name, await backup('huge'));
          });
        }
      }
    }
    if (opts.million) {
      log('generating (d): 1,000,000 files of up to 64 B in 1,000 directories');
      makeSmallFiles(path.join(root, 'million'), 1_000_000, 1000, 64);
      for (const tool of tools) {
        const p = await place.create(`${tool.id}-million`);
        const repo = { place: p, ...(await tool.init(p)) };
        record(
          '(d) 1,000,000 files, first',
          tool.name,
          await timed(repo, () => tool.backup(repo, 'million'), p.dir),
        );
        await tool.close(repo);
        await p.remove();
      }
      await rmrf(path.join(root, 'million'));
    }
  } finally {
    await server?.stop();
  }
  const rows = [...samples.values()].map(({ scenario, tool, samples: s }) => ({
    scenario,
    tool,
    runsMs: s.map((x) => x.ms),
    medianMs: median(s.map((x) => x.ms)),
    bytes: median(s.map((x) => x.bytes)),
    objects: median(s.map((x) => x.objects)),
    rssMiB: Math.max(...s.map((x) => x.rssMiB)),
  }));
  return {
    rows,
    kind,
    machine: machine(),
    cache: dropCaches ? 'dropped before every timed step' : 'warm for all',
  };
}

/** restic, as its users run it: a version 2 repository (compression auto), a cache of its own per repository. */
function restic(kind, endpoint, root) {
  const name = 'restic';
  const env = (repo) => ({
    ...process.env,
    RESTIC_PASSWORD: PASSWORD,
    RESTIC_REPOSITORY: repo.url,
    RESTIC_CACHE_DIR: repo.cache,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  });
  return {
    id: 'restic',
    name,
    async init(place) {
      const repo = {
        url: kind === 's3' ? `s3:${endpoint}/${place.bucket}` : place.dir,
        cache: fs.mkdtempSync(path.join(root, 'restic-cache-')),
      };
      await run('restic', ['init', '--repository-version', '2', '-q'], { env: env(repo) });
      return repo;
    },
    async backup(repo, folder) {
      const { stdout, rssMiB } = await measured(
        'restic',
        ['backup', '--json', '-q', path.join(root, folder)],
        env(repo),
      );
      const summary = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .find((m) => m.message_type === 'summary');
      return { rssMiB, changedFiles: summary ? summary.files_new + summary.files_changed : undefined };
    },
    async restore(repo, _folder, target) {
      const { rssMiB } = await measured(
        'restic',
        ['restore', 'latest', '-q', '--target', path.join(root, target)],
        env(repo),
      );
      return { rssMiB };
    },
    async close(repo) {
      await rmrf(repo.cache);
    },
  };
}

/** Strongbox's object repository, through the built engine and storage packages, one process a step. */
function strongbox(root, cpuProf) {
  const node = (request) =>
    measured(
      process.execPath,
      [
        ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []),
        path.join(here, 'bench-repository-strongbox.mjs'),
        JSON.stringify({ password: PASSWORD, sourceRoot: root, ...request }),
      ],
      process.env,
    );
  let last;
  return {
    id: 'strongbox',
    name: 'Strongbox',
    async init(place) {
      const repo = { url: place.url, s3: place.s3 };
      await node({ op: 'init', ...repo });
      return repo;
    },
    async backup(repo, folder) {
      const jobId = randomUUID();
      const { stdout, rssMiB } = await node({ op: 'backup', url: repo.url, s3: repo.s3, folder, jobId });
      const result = JSON.parse(stdout);
      last = result.snapshot;
      return { rssMiB, changedFiles: result.copiedFiles };
    },
    async restore(repo, _folder, target) {
      const { rssMiB } = await node({ op: 'restore', url: repo.url, s3: repo.s3, snapshot: last, target });
      return { rssMiB };
    },
    async close() {},
  };
}

/** Runs a command under /usr/bin/time: its stdout and its peak RSS. */
export async function measured(cmd, args, env) {
  const rssFile = path.join(fs.mkdtempSync(path.join(tmpdir(), 'bench-rss-')), 'rss');
  try {
    const stdout = await run('/usr/bin/time', ['-f', '%M', '-o', rssFile, cmd, ...args], {
      capture: true,
      env,
    });
    return { stdout, rssMiB: Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024 };
  } finally {
    await rmrf(path.dirname(rssFile));
  }
}

/** A bucket per repository on the S3 server; its usage is the bucket's listing. */
export function s3Places(endpoint) {
  const client = new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: CREDENTIALS });
  const s3 = { endpoint, region: REGION, forcePathStyle: true, credentials: CREDENTIALS };
  const list = async function* (bucket) {
    let ContinuationToken;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
      yield page.Contents ?? [];
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  };
  return {
    async create(name) {
      const bucket = `bench-${name}-${randomUUID().slice(0, 8)}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return {
        bucket,
        url: `s3://${bucket}/repository`,
        s3,
        async usage() {
          let bytes = 0;
          let objects = 0;
          for await (const page of list(bucket)) {
            for (const o of page) {
              bytes += o.Size ?? 0;
              objects++;
            }
          }
          return { bytes, objects };
        },
        async remove() {
          for await (const page of list(bucket)) {
            if (page.length === 0) continue;
            await client.send(
              new DeleteObjectsCommand({
                Bucket: bucket,
                Delete: { Objects: page.map((o) => ({ Key: o.Key })) },
              }),
            );
          }
          await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        },
      };
    },
  };
}

/** A directory per repository; its usage is the size of its files. */
export function filePlaces(parent) {
  return {
    async create(name) {
      const dir = path.join(parent, name);
      fs.mkdirSync(dir, { recursive: true });
      return {
        dir,
        url: `file://${dir}`,
        async usage() {
          return treeUsage(dir);
        },
        async remove() {
          await rmrf(dir);
        },
      };
    },
  };
}

/** Bytes and regular files below `dir`. */
function treeUsage(dir) {
  let bytes = 0;
  let objects = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        bytes += fs.statSync(p).size;
        objects++;
      }
    }
  };
  walk(dir);
  return { bytes, objects };
}

/** A keystream of AES-256-CTR under a key from `seed`: incompressible, the same for the same seed. */
function keystream(seed) {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(MIB);
  return () => cipher.update(zeros);
}

/** A file of `mib` MiB (a fraction allowed) of incompressible bytes. */
function makeRandomFile(file, mib, seed) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const next = keystream(seed);
  const fd = fs.openSync(file, 'w');
  let left = Math.round(mib * MIB);
  while (left > 0) {
    const block = next();
    const n = Math.min(left, block.length);
    fs.writeSync(fd, block, 0, n);
    left -= n;
  }
  fs.closeSync(fd);
}

/** Overwrites the MiB in the middle of `file` with new incompressible bytes (same size, new mtime). */
function rewriteMiddle(file, seed) {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, keystream(`middle ${seed}`)(), 0, MIB, Math.floor(size / 2 / MIB) * MIB);
  fs.closeSync(fd);
}

/** Bytes as MiB, or KiB under one MiB (a snapshot object is a few hundred bytes). */
const size = (bytes) =>
  Math.abs(bytes) < MIB && bytes !== 0
    ? `${(bytes / 1024).toFixed(1)} KiB`
    : `${(bytes / MIB).toFixed(1)} MiB`;

/** One line per scenario: restic and Strongbox side by side, and the ratios Strongbox / restic. */
export function formatRepositoryTable({ rows, kind, machine: m, cache }) {
  const lines = [
    `Repository: ${kind === 's3' ? 'moto_server on 127.0.0.1 (one bucket per tool and round)' : 'local directories (ext4)'}; machine: ${m.cpus} CPUs (${m.cpu}), ${m.filesystem}, Node ${m.node}; page cache ${cache}. Medians of the rounds; RSS the highest.`,
    '',
    '| scenario | restic time (ms) | Strongbox time (ms) | time S/r | restic bytes | Strongbox bytes | bytes S/r | restic objects | Strongbox objects | restic peak RSS (MiB) | Strongbox peak RSS (MiB) | RSS S/r |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : '–');
  for (const s of scenarios) {
    const r = rows.find((x) => x.scenario === s && x.tool === 'restic');
    const sb = rows.find((x) => x.scenario === s && x.tool === 'Strongbox');
    if (!r || !sb) continue;
    lines.push(
      `| ${s} | ${r.medianMs.toFixed(0)} | ${sb.medianMs.toFixed(0)} | ${ratio(sb.medianMs, r.medianMs)} | ${size(r.bytes)} | ${size(sb.bytes)} | ${ratio(sb.bytes, r.bytes)} | ${r.objects} | ${sb.objects} | ${r.rssMiB.toFixed(0)} | ${sb.rssMiB.toFixed(0)} | ${ratio(sb.rssMiB, r.rssMiB)} |`,
    );
  }
  lines.push('', 'Every round (ms):', '');
  for (const row of rows)
    lines.push(`- ${row.scenario}, ${row.tool}: ${row.runsMs.map((t) => t.toFixed(0)).join(', ')}`);
  return lines.join('\n');
}
