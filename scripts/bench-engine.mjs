// Engine benchmark: Strongbox's engine against cp -a, rsync -a, rsync -a --link-dest, fs-extra's copy
// and Node's fs.cp, on fixtures it generates in a temporary folder beside the repository (or in
// `opts.dir`), removed afterwards unless `opts.keep`. Run directly (after building the engine)
// to print a table; `benchEngine()` returns the rows for the repository-wide bench.
//   node scripts/bench-engine.mjs [--runs 3] [--million] [--only a,b,c,d] [--profile]
//     [--tools rsync,engine] [--concurrency N]
// --tools keeps only the tools whose names hold one of the words; --concurrency 2,8 runs the engine
// once per number of copy threads (default: the engine's own); --compare path/to/index.js times
// another build of the engine beside this one.
// --profile adds, per scenario and tool, the disk's view of each timed run (/proc/diskstats) and the
// engine's time per phase, and an engine run with progress reporting (its counting pass) in (a).
// (d), the 1,000,000-file peak-memory run, takes several minutes and runs only when asked for.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const engineUrl = import.meta.resolve('@strongbox/engine');

/**
 * Runs the scenarios and returns one row per (scenario, tool). `opts.extraTools` maps a scenario key
 * ('a' or 'b') to more `[name, async (round) => ms]` tools, run in the same interleaved rounds.
 */
export async function benchEngine(opts = {}) {
  const runs = opts.runs ?? 3;
  const only = new Set(opts.only ?? ['a', 'b', 'c']);
  const root = opts.dir ?? fs.mkdtempSync(path.join(repo, '..', 'bench-engine-'));
  const engine = await import(engineUrl);
  const fsExtra = (await import('fs-extra')).default;
  const dropCaches = canDropCaches();
  const rows = [];
  const log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
  const disk = diskOf(root);
  // Per `${scenario}\0${tool}`: the disk's view and the engine's phases of every timed run.
  const profiles = new Map();
  /** The engine's options for one timed run: a profile to fill when profiling. */
  const profiled = (extra = {}) => ({ ...extra, ...(opts.profile ? { profile: engine.newProfile() } : {}) });
  // --concurrency 2,8,16: one engine tool per number of copy threads, in the same rounds.
  const engineVariants = opts.concurrency?.length
    ? opts.concurrency.map((n) => [`strongbox engine x${n}`, { concurrency: n }])
    : [['strongbox engine', {}]];
  // --compare path/to/index.js: another build of the engine, timed in the same rounds (A/B trials).
  const other = opts.compare ? await import(path.resolve(opts.compare)) : null;
  if (other) engineVariants.push(['strongbox engine (compared build)', { engine: other }]);
  try {
    if (only.has('a') || only.has('c')) {
      log('generating (a): 20,000 files of 100 B-8 KiB in 100 directories');
      makeSmallFiles(path.join(root, 'small'), 20_000, 100);
    }
    if (only.has('b')) {
      log('generating (b): 4 x 256 MiB');
      makeLargeFiles(path.join(root, 'large'), 4, 256);
    }
    const competitors = (src) => [
      ['cp -a', (dest) => run('cp', ['-a', src, dest])],
      ['rsync -a', (dest) => run('rsync', ['-a', `${src}/`, `${dest}/`])],
      // rsync as users run it, with nothing flushed at the end: every other line, the engine's too,
      // is timed until what it wrote is on the disk (`sync -f` after a tool, the engine's own flush).
      ['rsync -a, no sync', (dest) => run('rsync', ['-a', `${src}/`, `${dest}/`]), { sync: false }],
      ['fs-extra copy', (dest) => fsExtra.copy(src, dest, { preserveTimestamps: true })],
      [
        'node fs.cp',
        (dest) =>
          fs.promises.cp(src, dest, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true }),
      ],
    ];
    const scenarios = [];
    for (const [key, scenario, dir] of [
      ['a', '(a) 20k small files', 'small'],
      ['b', '(b) 4 x 256 MiB', 'large'],
    ]) {
      if (!only.has(key)) continue;
      const src = path.join(root, dir);
      const tools = competitors(src).map(([tool, copy, { sync = true } = {}]) => [
        tool,
        async (i) => {
          const dest = path.join(root, `out-${i}`);
          const t = await clock(async () => {
            await copy(dest);
            if (sync) await run('sync', ['-f', dest]);
          });
          await rmrf(dest);
          return t;
        },
      ]);
      const engineTool =
        ({ engine: which = engine, ...extra }) =>
        async (i) => {
          const backupFolder = path.join(root, `bk-${i}`);
          fs.mkdirSync(backupFolder);
          const options = profiled(extra);
          const t = await clock(() =>
            which.runBackup({ sourceRoot: root, backupFolder, folder: dir, jobId: `bench-${i}`, ...options }),
          );
          lastPhases = options.profile;
          await rmrf(backupFolder);
          return t;
        };
      for (const [name, extra] of engineVariants) tools.push([name, engineTool(extra)]);
      // With progress reporting on, the engine runs its counting pass beside the copy, as a job does.
      if (opts.profile && key === 'a')
        tools.push(['strongbox engine + progress', engineTool({ onProgress() {} })]);
      // Tools the caller adds (the whole job through the API), timed in the same rounds.
      for (const extra of opts.extraTools?.[key] ?? []) tools.push(extra);
      scenarios.push([scenario, tools]);
    }
    if (only.has('c')) {
      const src = path.join(root, 'small');
      for (const changed of [0, 0.01]) {
        const scenario = changed ? '(c) 20k small, 1% changed' : '(c) 20k small, unchanged';
        scenarios.push([
          scenario,
          [
            [
              'rsync -a --link-dest',
              async (i) => {
                const base = path.join(root, `base-${i}`);
                const dest = path.join(root, `out-${i}`);
                await run('rsync', ['-a', `${src}/`, `${base}/`]);
                if (changed) touchFraction(src, changed, i);
                await settle(dropCaches);
                const t = await clock(async () => {
                  await run('rsync', ['-a', `--link-dest=${base}`, `${src}/`, `${dest}/`]);
                  await run('sync', ['-f', dest]);
                });
                await rmrf(base);
                await rmrf(dest);
                return t;
              },
            ],
            ...engineVariants.map(([name, { engine: which = engine, ...extra }]) => [
              name,
              async (i) => {
                const backupFolder = path.join(root, `bk-${i}`);
                fs.mkdirSync(backupFolder);
                await which.runBackup({
                  sourceRoot: root,
                  backupFolder,
                  folder: 'small',
                  jobId: `base-${i}`,
                });
                if (changed) touchFraction(src, changed, i + 7);
                await settle(dropCaches);
                let result;
                const options = profiled(extra);
                const t = await clock(async () => {
                  result = await which.runBackup({
                    sourceRoot: root,
                    backupFolder,
                    folder: 'small',
                    jobId: `inc-${i}`,
                    ...options,
                  });
                });
                lastPhases = options.profile;
                if (changed && result.copiedFiles === 0)
                  throw new Error('the incremental run copied nothing');
                if (!changed && result.copiedFiles !== 0) throw new Error('the unchanged run copied files');
                await rmrf(backupFolder);
                return t;
              },
            ]),
          ],
        ]);
      }
    }
    // Rounds interleave the tools, so that load from elsewhere on the machine hits all of them alike.
    for (const [scenario, allTools] of scenarios) {
      // --tools rsync,engine: only the tools whose names hold one of these words (for quick trials).
      const tools = allTools.filter(([tool]) => !opts.tools || opts.tools.some((w) => tool.includes(w)));
      const times = new Map(tools.map(([tool]) => [tool, []]));
      for (let i = 0; i < runs; i++) {
        // Each round starts with a different tool, so none always follows the heaviest writer.
        const order = tools.map((_, k) => tools[(k + i) % tools.length]);
        for (const [tool, once] of order) {
          await settle(dropCaches);
          lastDisk = null;
          lastPhases = undefined;
          diskDevice = disk;
          const t = await once(i);
          times.get(tool).push(t);
          if (opts.profile) {
            const k = `${scenario}\0${tool}`;
            if (!profiles.has(k)) profiles.set(k, { scenario, tool, runs: [] });
            profiles.get(k).runs.push({ ms: t, disk: lastDisk, phases: lastPhases });
          }
          log(`${scenario.padEnd(28)} ${tool.padEnd(22)} round ${i + 1}: ${t.toFixed(0)} ms`);
        }
      }
      for (const [tool] of tools) {
        const runsMs = times.get(tool);
        rows.push({ scenario, tool, medianMs: median(runsMs), runsMs });
      }
    }
    if (opts.million || only.has('d')) {
      log('generating (d): 1,000,000 files in 1,000 directories (takes a few minutes)');
      const src = path.join(root, 'million');
      makeSmallFiles(src, 1_000_000, 1000, 64);
      // The same tree, the same cold start: rsync -a first, then the engine in a fresh process.
      const dest = path.join(root, 'out-million');
      await settle(dropCaches);
      const rsyncMs = await clock(async () => {
        await run('rsync', ['-a', `${src}/`, `${dest}/`]);
        await run('sync', ['-f', dest]);
      });
      await rmrf(dest);
      log(`(d) 1M files: rsync -a ${rsyncMs.toFixed(0)} ms`);
      rows.push({ scenario: '(d) 1,000,000 files', tool: 'rsync -a', medianMs: rsyncMs, runsMs: [rsyncMs] });
      await settle(dropCaches);
      rows.push(await peakRss(root, 'million', log));
    }
  } finally {
    if (!opts.keep) await rmrf(root);
  }
  addRatios(rows);
  return {
    rows,
    profiles: [...profiles.values()],
    machine: machine(),
    cache: dropCaches ? 'dropped before every timed run' : 'warm for all',
  };
}

// The disk holding the fixtures, and what the last timed run did to it and to the engine's phases.
let diskDevice = null;
let lastDisk = null;
let lastPhases;

/** The /proc/diskstats name of the whole disk that holds `dir` (its partition's parent), or null. */
function diskOf(dir) {
  try {
    const dev = fs.statSync(dir).dev;
    const major = ((dev >> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
    const minor = (dev & 0xff) | ((dev >> 12) & ~0xff);
    const line = fs
      .readFileSync('/proc/diskstats', 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((f) => Number(f[0]) === major && Number(f[1]) === minor);
    if (!line) return null;
    const name = line[2];
    // A partition (vda1) is counted in its disk too; the disk's own line is the same device here.
    return fs.existsSync(`/sys/class/block/${name}/partition`)
      ? path.basename(path.dirname(fs.realpathSync(`/sys/class/block/${name}`)))
      : name;
  } catch {
    return null;
  }
}

/** The counters of /proc/diskstats for `name`: reads, merged reads, sectors read, weighted ms in queue. */
function diskCounters(name) {
  if (!name) return null;
  const f = fs
    .readFileSync('/proc/diskstats', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((x) => x[2] === name);
  if (!f) return null;
  const n = f.slice(3).map(Number);
  return { reads: n[0], mergedReads: n[1], sectorsRead: n[2], writes: n[4], queueMs: n[10] };
}

/** Flushes what earlier steps wrote, then drops the page cache where the machine allows it. */
export async function settle(dropCaches) {
  await run('sync');
  if (dropCaches) drop();
}

function addRatios(rows) {
  for (const row of rows) {
    const base = rows.find(
      (r) => r.scenario === row.scenario && (r.tool === 'rsync -a' || r.tool === 'rsync -a --link-dest'),
    );
    row.vsRsync = base ? row.medianMs / base.medianMs : null;
  }
}

async function peakRss(root, folder, log) {
  const backupFolder = path.join(root, 'bk-million');
  fs.mkdirSync(backupFolder, { recursive: true });
  const code = `
    const { runBackup } = await import(${JSON.stringify(engineUrl)});
    const started = Date.now();
    const r = await runBackup({ sourceRoot: ${JSON.stringify(root)}, backupFolder: ${JSON.stringify(backupFolder)}, folder: ${JSON.stringify(folder)}, jobId: 'million', onProgress: () => {} });
    // VmHWM, this process's own peak: getrusage's maxRSS also carries the peak of the parent it was
    // forked from (the bench, which has just made 1,000,000 files) across exec.
    const hwm = /^VmHWM:\\s+(\\d+) kB/m.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'));
    process.stdout.write(JSON.stringify({ files: r.files, ms: Date.now() - started, maxRssKiB: hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS }));
  `;
  const out = await run(process.execPath, ['--input-type=module', '-e', code], { capture: true });
  const r = JSON.parse(out);
  log(`(d) 1M files: ${r.files} files in ${r.ms} ms, peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB`);
  return {
    scenario: '(d) 1,000,000 files',
    tool: 'strongbox engine (child process)',
    medianMs: r.ms,
    runsMs: [r.ms],
    metric: `peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB`,
    peakRssMiB: r.maxRssKiB / 1024,
  };
}

/** Deterministic sizes, distinct contents. */
export function makeSmallFiles(dir, count, dirs, maxSize = 8192) {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pool = Buffer.alloc(64 * 1024);
  for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(rand() * 256);
  for (let d = 0; d < dirs; d++)
    fs.mkdirSync(path.join(dir, `dir-${String(d).padStart(4, '0')}`), { recursive: true });
  for (let i = 0; i < count; i++) {
    const size = Math.min(maxSize, 100 + Math.floor(rand() * (8192 - 100)));
    const offset = Math.floor(rand() * (pool.length - size));
    const body = Buffer.from(pool.subarray(offset, offset + size));
    body.writeUInt32LE(i, 0);
    fs.writeFileSync(path.join(dir, `dir-${String(i % dirs).padStart(4, '0')}`, `file-${i}.dat`), body);
  }
}

export function makeLargeFiles(dir, count, mib) {
  fs.mkdirSync(dir, { recursive: true });
  const chunk = Buffer.alloc(1024 * 1024);
  for (let f = 0; f < count; f++) {
    const fd = fs.openSync(path.join(dir, `large-${f}.bin`), 'w');
    for (let m = 0; m < mib; m++) {
      createHash('sha256').update(`${f}:${m}`).digest().copy(chunk, 0);
      for (let o = 32; o < chunk.length; o += 32) chunk.copy(chunk, o, o - 32, o - 16);
      fs.writeSync(fd, chunk);
    }
    fs.closeSync(fd);
  }
}

/** Rewrites a fraction of the small files (new bytes and mtime). */
export function touchFraction(dir, fraction, salt) {
  const dirs = fs.readdirSync(dir).sort();
  let n = 0;
  for (const d of dirs) {
    const names = fs.readdirSync(path.join(dir, d)).sort();
    const step = Math.round(1 / fraction);
    for (let i = salt % step; i < names.length; i += step) {
      const p = path.join(dir, d, names[i]);
      fs.appendFileSync(p, `changed ${salt}\n`);
      n++;
    }
  }
  return n;
}

export function canDropCaches() {
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

function drop() {
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `fn`; the disk's counters around it are kept for --profile (lastDisk). */
export async function clock(fn) {
  const before = diskCounters(diskDevice);
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  const after = diskCounters(diskDevice);
  if (before && after) {
    lastDisk = {
      reads: after.reads - before.reads,
      mergedReads: after.mergedReads - before.mergedReads,
      readKiB: (after.sectorsRead - before.sectorsRead) / 2,
      writes: after.writes - before.writes,
      queueDepth: (after.queueMs - before.queueMs) / ms,
    };
  }
  return ms;
}

export function run(cmd, args = [], { capture = false, env, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', capture ? 'pipe' : 'ignore', 'inherit'], env, cwd });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

export async function rmrf(p) {
  await fs.promises.rm(p, { recursive: true, force: true });
}

export function machine() {
  let filesystem = 'unknown';
  try {
    filesystem = execFileSync('df', ['-T', repo]).toString().trim().split('\n')[1].split(/\s+/)[1];
  } catch {}
  return {
    cpus: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    filesystem,
    node: process.version,
  };
}

export function formatTable({ rows, machine: m, cache }) {
  const lines = [
    `Machine: ${m.cpus} CPUs (${m.cpu}), ${m.filesystem}, Node ${m.node}; page cache ${cache}.`,
    '',
    '| scenario | tool | median (ms) | runs (ms) | vs rsync |',
    '|---|---|---:|---|---:|',
  ];
  for (const r of rows) {
    const ratio = [r.vsRsync == null ? '' : `${r.vsRsync.toFixed(2)}x`, r.metric ?? '']
      .filter(Boolean)
      .join(', ');
    lines.push(
      `| ${r.scenario} | ${r.tool} | ${r.medianMs.toFixed(0)} | ${r.runsMs.map((t) => t.toFixed(0)).join(', ')} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

/** The --profile tables: the disk's view of every tool, and the engine's time per phase (means of the runs). */
export function formatProfile({ profiles }, phases) {
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const lines = [
    'Disk (/proc/diskstats of the whole disk, around each timed run; means of the runs):',
    '',
    '| scenario | tool | wall (ms) | read requests | merged reads | KiB read | KiB per read | write requests | avg queue depth |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const p of profiles) {
    const d = p.runs.map((r) => r.disk).filter(Boolean);
    const m = (f) => mean(d.map(f));
    lines.push(
      `| ${p.scenario} | ${p.tool} | ${mean(p.runs.map((r) => r.ms)).toFixed(0)} | ${m((x) => x.reads).toFixed(0)} | ${m((x) => x.mergedReads).toFixed(0)} | ${m((x) => x.readKiB).toFixed(0)} | ${(m((x) => x.readKiB) / m((x) => x.reads)).toFixed(1)} | ${m((x) => x.writes).toFixed(0)} | ${m((x) => x.queueDepth).toFixed(2)} |`,
    );
  }
  lines.push(
    '',
    'Engine phases (ms, means of the runs; copy-thread phases are summed over the threads):',
    '',
    `| scenario | tool | wall | ${phases.join(' | ')} |`,
    `|---|---|${phases.map(() => '---:|').join('')}---:|`,
  );
  for (const p of profiles) {
    const withPhases = p.runs.filter((r) => r.phases);
    if (withPhases.length === 0) continue;
    const cells = phases.map((ph) => mean(withPhases.map((r) => r.phases[ph])).toFixed(0));
    lines.push(
      `| ${p.scenario} | ${p.tool} | ${mean(withPhases.map((r) => r.ms)).toFixed(0)} | ${cells.join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const value = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const result = await benchEngine({
    runs: Number(value('--runs') ?? 3),
    only: value('--only')?.split(','),
    million: args.includes('--million') || process.env.BENCH_MILLION === '1',
    profile: args.includes('--profile'),
    concurrency: value('--concurrency')?.split(',').map(Number),
    tools: value('--tools')?.split(','),
    compare: value('--compare'),
  });
  process.stdout.write(`${formatTable(result)}\n`);
  if (args.includes('--profile'))
    process.stdout.write(`\n${formatProfile(result, (await import(engineUrl)).PHASES)}\n`);
}
