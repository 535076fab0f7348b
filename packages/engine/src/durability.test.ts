import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  listBackedUpFolders,
  prepareBackupFolder,
  runBackup,
  sweepFolder,
  verifySnapshot,
} from './local-tree/entry-points.js';
import {
  formatStagingName,
  hostHash,
  jobHash,
  MANIFEST_SUFFIX,
  parseStagingName,
  type StagingOwner,
} from './local-tree/layout.js';
import { FOREIGN_STALE_MS } from './local-tree/staging.js';
import type { MadeSnapshot } from './repository/repository.js';
import { deadPid, rejectionOf, workspace, writeTree } from './testing/helpers.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
  await writeTree(ws.src, { 'f/a.txt': 'alpha', 'f/sub/b.txt': 'beta' });
});
afterEach(async () => {
  await ws.cleanup();
});

const backup = (extra: Partial<Parameters<typeof runBackup>[0]> = {}) =>
  runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder: 'f', jobId: 'job-1', ...extra });
const sweep = (extra: Partial<Parameters<typeof sweepFolder>[0]> = {}) =>
  sweepFolder({ backupFolder: ws.backup, folder: 'f', ...extra });
const folderDir = () => path.join(ws.backup, 'f');
const entries = async () => (await fsp.readdir(folderDir())).sort();

/** Makes a staging directory as an attempt of `owner` would have, with some of a copy in it. */
async function staging(owner: Partial<StagingOwner> & { pid: number }): Promise<string> {
  const name = formatStagingName({
    job: jobHash('other'),
    host: hostHash(),
    startedAt: Date.now(),
    ...owner,
  });
  await writeTree(path.join(folderDir(), name), { 'tree/partial.txt': 'partial', 'manifest.jsonl': '{' });
  return name;
}

/** Rewrites a snapshot's manifest as Strongbox wrote it before version 2: no job, a short trailer. */
async function asVersion1(snapshot: string): Promise<void> {
  const file = path.join(ws.backup, `${snapshot}${MANIFEST_SUFFIX}`);
  const lines = (await fsp.readFile(file, 'utf8')).trimEnd().split('\n');
  const { jobId: _jobId, ...header } = JSON.parse(lines[0]!);
  const { end, files, bytes } = JSON.parse(lines.at(-1)!);
  const v1 = [
    JSON.stringify({ ...header, version: 1 }),
    ...lines.slice(1, -1),
    JSON.stringify({ end, files, bytes }),
  ];
  await fsp.writeFile(file, `${v1.join('\n')}\n`);
}

describe('staging ownership', () => {
  it('names its owner in the one mkdir that makes it: job, host, pid and start', async () => {
    const before = Date.now();
    let seen: string[] = [];
    await backup({
      hooks: {
        at: async (step) => {
          if (step === 'staging-created') seen = (await entries()).filter((n) => n.startsWith('.staging-'));
        },
      },
    });
    expect(seen).toHaveLength(1);
    const owner = parseStagingName(seen[0]!);
    expect(owner).toMatchObject({ job: jobHash('job-1'), host: hostHash(), pid: process.pid });
    expect(owner!.startedAt).toBeGreaterThanOrEqual(before);
    expect(owner!.startedAt).toBeLessThanOrEqual(Date.now());
  });
});

describe('sweepFolder', () => {
  it('removes the staging of attempts that are over and keeps the live ones', async () => {
    await prepareBackupFolder(ws.backup);
    await fsp.mkdir(folderDir());
    // A pid that runs now, but a process started after the staging: the pid was reused.
    const younger = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const dead = await staging({ pid: deadPid() });
      const reused = await staging({ pid: younger.pid!, startedAt: Date.now() - 60_000 });
      const mineOver = await staging({ pid: process.pid });
      const foreignOld = await staging({
        pid: 1,
        host: 'ee11ee77',
        startedAt: Date.now() - FOREIGN_STALE_MS - 1,
      });
      const live = await staging({ pid: process.ppid });
      const foreign = await staging({ pid: 1, host: 'ee11ee77' });
      await fsp.mkdir(path.join(folderDir(), '.dead-0123456789ab'));
      const removed = await sweep();
      expect(removed.sort()).toEqual([dead, reused, mineOver, foreignOld, '.dead-0123456789ab'].sort());
      expect(await entries()).toEqual([foreign, live].sort());
    } finally {
      younger.kill('SIGKILL');
    }
  });

  it('removes the staging of an earlier attempt of the job about to run, whoever made it', async () => {
    await prepareBackupFolder(ws.backup);
    await fsp.mkdir(folderDir());
    const earlier = await staging({ job: jobHash('job-1'), pid: 1, host: 'ee11ee77' });
    expect(await sweep()).toEqual([]);
    expect(await sweep({ jobId: 'job-1' })).toEqual([earlier]);
    expect(await entries()).toEqual([]);
  });

  it('never removes the staging of an attempt running in this process', async () => {
    let during: string[] = [];
    const result = await backup({
      hooks: {
        at: async (step) => {
          if (step !== 'header-written') return;
          await sweep();
          during = await entries();
        },
      },
    });
    expect(during.filter((n) => n.startsWith('.staging-'))).toHaveLength(1);
    expect(await entries()).toEqual(
      [
        '.folder.json',
        path.basename(result.snapshot),
        `${path.basename(result.snapshot)}${MANIFEST_SUFFIX}`,
      ].sort(),
    );
  });

  it('removes half-removed snapshots, and manifests without their snapshot when no attempt is staging', async () => {
    const kept = await backup();
    const name = path.basename(kept.snapshot);
    await fsp.mkdir(path.join(folderDir(), '20260101T000000Z-aaaaaa'));
    await fsp.writeFile(path.join(folderDir(), `20260101T000000Z-bbbbbb${MANIFEST_SUFFIX}`), '{}\n');
    const live = await staging({ pid: process.ppid });
    expect(await sweep()).toEqual(['20260101T000000Z-aaaaaa']);
    await fsp.rm(path.join(folderDir(), live), { recursive: true });
    expect(await sweep()).toEqual([`20260101T000000Z-bbbbbb${MANIFEST_SUFFIX}`]);
    expect(await entries()).toEqual(['.folder.json', name, `${name}${MANIFEST_SUFFIX}`].sort());
  });

  it('removes exactly the complete snapshots the caller answers as unreferenced, asking only of those that name their job', async () => {
    const old = await backup({ jobId: 'job-old' });
    await asVersion1(old.snapshot);
    const a = await backup({ jobId: 'job-a' });
    const b = await backup({ jobId: 'job-b' });
    const asked: MadeSnapshot[][] = [];
    const removed = await sweep({
      unreferenced: async (made) => {
        asked.push(made);
        return [a.snapshot, old.snapshot];
      },
    });
    expect(asked).toEqual([
      [
        { snapshot: a.snapshot, jobId: 'job-a' },
        { snapshot: b.snapshot, jobId: 'job-b' },
      ],
    ]);
    expect(removed).toEqual([path.basename(a.snapshot)]);
    const names = [old, b].flatMap((r) => [
      path.basename(r.snapshot),
      `${path.basename(r.snapshot)}${MANIFEST_SUFFIX}`,
    ]);
    expect(await entries()).toEqual(['.folder.json', ...names].sort());
  });

  it('leaves a removal that was cut off as a tombstone, which the next sweep removes', async () => {
    await prepareBackupFolder(ws.backup);
    await fsp.mkdir(folderDir());
    await staging({ pid: deadPid() });
    const failure = new Error('cut off');
    const error = await rejectionOf(sweep({ hooks: { afterTombstone: () => Promise.reject(failure) } }));
    expect((error as Error).cause).toBe(failure);
    const left = await entries();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.dead-[0-9a-f]{12}$/);
    expect(await sweep()).toEqual(left);
    expect(await entries()).toEqual([]);
  });
});

describe('listBackedUpFolders', () => {
  it('lists every folder that has a directory in the backup folder, in either key form', async () => {
    const long = `deep/${'x'.repeat(220)}`;
    await writeTree(ws.src, { [`${long}/c.txt`]: 'c' });
    await backup();
    await backup({ folder: long, jobId: 'job-2' });
    expect((await listBackedUpFolders(ws.backup)).sort()).toEqual([long, 'f'].sort());
  });
});

describe('a retry of a job whose snapshot is in place', () => {
  it('adopts it: the same result as the first attempt, without copying again', async () => {
    const first = await backup();
    await writeTree(ws.src, { 'f/new.txt': 'added since' });
    const retry = await backup();
    expect(retry).toEqual(first);
    expect((await entries()).filter((n) => !n.startsWith('.'))).toEqual(
      [path.basename(first.snapshot), `${path.basename(first.snapshot)}${MANIFEST_SUFFIX}`].sort(),
    );
  });

  it('writes the job into the manifest header (version 2) and the whole result into its trailer', async () => {
    const result = await backup();
    const lines = (await fsp.readFile(path.join(ws.backup, `${result.snapshot}${MANIFEST_SUFFIX}`), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ format: 'strongbox-manifest', version: 2, folder: 'f', jobId: 'job-1' });
    const { snapshot: _snapshot, ...rest } = result;
    expect(lines.at(-1)).toEqual({ end: true, ...rest });
  });

  it('copies again when the snapshot of the job is of version 1, which does not name its job', async () => {
    const first = await backup();
    await asVersion1(first.snapshot);
    const again = await backup();
    expect(again.snapshot).not.toBe(first.snapshot);
    expect(again).toMatchObject({ files: 2, copiedFiles: 0, linkedFiles: 2 });
    await verifySnapshot({ backupFolder: ws.backup, snapshot: first.snapshot });
  });
});

describe('beforeCommit', () => {
  it('stops the backup right before the rename: no snapshot, no staging, its rejection unchanged', async () => {
    const refusal = new Error('the folder lock was lost');
    let called = 0;
    const error = await rejectionOf(
      backup({
        beforeCommit: async () => {
          called++;
          throw refusal;
        },
      }),
    );
    expect(error).toBe(refusal);
    expect(called).toBe(1);
    expect(await entries()).toEqual(['.folder.json']);
  });
});
