import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readHeader, readTrailer } from '../manifest.js';
import { workspace, writeTree } from '../testing/helpers.js';
import { repositoryContract } from '../testing/repository-contract.js';
import { folderKey, MANIFEST_SUFFIX } from './layout.js';
import { LocalTree, type TreeReads } from './local-tree.js';

repositoryContract('LocalTree', async () => {
  const ws = await workspace();
  return { repository: new LocalTree(ws.backup), sourceRoot: ws.src, cleanup: ws.cleanup };
});

/** A LocalTree whose reads of folder directories and manifests are written down as they happen. */
function countingTree(backupFolder: string) {
  const reads = { readdir: [] as string[], header: [] as string[], trailer: [] as string[] };
  const counted: TreeReads = {
    readdir: async (dir) => {
      reads.readdir.push(await fsp.realpath(dir));
      return fsp.readdir(dir);
    },
    header: async (manifest) => {
      reads.header.push(path.basename(manifest));
      return readHeader(manifest);
    },
    trailer: async (manifest) => {
      reads.trailer.push(path.basename(manifest));
      return readTrailer(manifest);
    },
  };
  const reset = () => {
    reads.readdir.length = 0;
    reads.header.length = 0;
    reads.trailer.length = 0;
  };
  return { tree: new LocalTree(backupFolder, { reads: counted }), reads, reset };
}

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
  await writeTree(ws.src, { 'f/a.txt': 'alpha', 'f/b/c.txt': 'gamma' });
});
afterEach(async () => {
  await ws.cleanup();
});

describe('the local tree', () => {
  it('names a snapshot <folder key>/<UTC stamp>-<6 hex>, as BackupResult.snapshot always has', async () => {
    await writeTree(ws.src, { 'photos/2024/x.jpg': 'x' });
    const { snapshot } = await new LocalTree(ws.backup).backup('photos/2024', {
      sourceRoot: ws.src,
      jobId: 'job-1',
      now: new Date('2026-11-22T01:02:03.456Z'),
    });
    expect(snapshot).toMatch(/^photos%2F2024\/20261122T010203Z-[0-9a-f]{6}$/);
  });

  it('reads the folder directory once per job: a backup, its adopting retry, a sweep, a retention pass', async () => {
    const { tree, reads, reset } = countingTree(ws.backup);
    const folderDir = await fsp.realpath(ws.backup).then((root) => path.join(root, folderKey('f')));
    const jobs: [string, () => Promise<unknown>][] = [
      ['first backup', () => tree.backup('f', { sourceRoot: ws.src, jobId: 'job-1' })],
      ['second backup', () => tree.backup('f', { sourceRoot: ws.src, jobId: 'job-2' })],
      ['retry that adopts', () => tree.backup('f', { sourceRoot: ws.src, jobId: 'job-2' })],
      ['sweep', () => tree.sweep('f', { unreferenced: async () => [] })],
      ['retention', () => tree.forget('f', { keepLast: 1, keepDaily: 0 })],
    ];
    const counts: Record<string, string[]> = {};
    for (const [name, job] of jobs) {
      reset();
      await job();
      counts[name] = [...reads.readdir];
    }
    expect(counts).toEqual({
      'first backup': [folderDir],
      'second backup': [folderDir],
      'retry that adopts': [folderDir],
      sweep: [folderDir],
      retention: [folderDir],
    });
  });

  it('backs up a folder that keeps 1,000 snapshots reading the manifest of the latest alone', async () => {
    const { tree, reads, reset } = countingTree(ws.backup);
    const latest = await tree.backup('f', {
      sourceRoot: ws.src,
      jobId: 'job-latest',
      now: new Date('2026-06-01T00:00:00Z'),
    });
    const dir = path.join(ws.backup, folderKey('f'));
    const manifest = await fsp.readFile(path.join(ws.backup, `${latest.snapshot}${MANIFEST_SUFFIX}`));
    // 999 older snapshots, a minute apart, each with a complete manifest of a job of its own.
    for (let i = 0; i < 999; i++) {
      const stamp = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const name = `${stamp.replace(/[-:]/g, '')}-${i.toString(16).padStart(6, '0')}`;
      await fsp.mkdir(path.join(dir, name));
      const old = manifest.toString().replace('"jobId":"job-latest"', `"jobId":"job-old-${i}"`);
      await fsp.writeFile(path.join(dir, `${name}${MANIFEST_SUFFIX}`), old);
    }
    reset();
    const result = await tree.backup('f', { sourceRoot: ws.src, jobId: 'job-new' });
    const latestManifest = `${path.basename(latest.snapshot)}${MANIFEST_SUFFIX}`;
    expect(reads).toEqual({
      readdir: [await fsp.realpath(dir)],
      header: [latestManifest],
      trailer: [latestManifest],
    });
    expect(result).toMatchObject({ files: 2, copiedFiles: 0, linkedFiles: 2 });
    expect(await tree.listSnapshots('f')).toHaveLength(1001);
  });
});

describe("the local tree's reads of a snapshot's contents", () => {
  it('never opens a file through a symlink swapped in for a directory or a file of the snapshot', async () => {
    const tree = new LocalTree(ws.backup);
    const made = await tree.backup('f', {
      sourceRoot: ws.src,
      jobId: '5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69',
    });
    const outside = path.join(ws.dir, 'outside');
    await writeTree(outside, { 'c.txt': 'SECRET', 'a.txt': 'SECRET' });
    const snapshotDir = path.join(ws.backup, made.snapshot);
    // Someone with write access to the backup folder swaps a directory and a file for symlinks out.
    await fsp.rm(path.join(snapshotDir, 'b'), { recursive: true });
    await fsp.symlink(outside, path.join(snapshotDir, 'b'));
    await fsp.rm(path.join(snapshotDir, 'a.txt'));
    await fsp.symlink(path.join(outside, 'a.txt'), path.join(snapshotDir, 'a.txt'));
    const codeOf = (path_: string) =>
      tree.readFile(made.snapshot, path_).then(
        () => 'opened',
        (error: { code?: string }) => error.code,
      );
    expect([await codeOf('b/c.txt'), await codeOf('a.txt')]).toEqual(['NO_SUCH_PATH', 'NOT_A_FILE']);
  });
});
