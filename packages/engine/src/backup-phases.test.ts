import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupWith } from './backup.js';
import { EngineError } from './errors.js';
import type { BackupPhases, BackupResult, StagedBackup } from './repository/repository.js';
import { readTree, rejectionOf, workspace, writeTree } from './testing/helpers.js';

/**
 * The smallest repository: a staging directory per backup, renamed to `kept/<n>` on commit. It
 * writes down which phase ran, and what the copy had written when commit was called.
 */
function directoryPhases(root: string, options: { adopted?: BackupResult } = {}) {
  const calls: string[] = [];
  let atCommit: string[] = [];
  const phases: BackupPhases = {
    prepare: async () => {
      calls.push('prepare');
      if (options.adopted) return { adopted: options.adopted };
      const dir = await fsp.mkdtemp(path.join(root, 'staging-'));
      const staged: StagedBackup = {
        manifest: `${dir}/manifest`,
        tree: `${dir}/tree`,
        previous: null,
        exclude: [],
      };
      return { staged };
    },
    commit: async (staged, mayCommit) => {
      calls.push('commit');
      atCommit = (await fsp.readdir(path.dirname(staged.tree))).sort();
      await mayCommit();
      await fsp.mkdir(path.join(root, 'kept'), { recursive: true });
      await fsp.rename(staged.tree, path.join(root, 'kept', 'one'));
      await fsp.rename(staged.manifest, path.join(root, 'kept', 'one.manifest'));
      return 'kept/one';
    },
    abandon: async (staged) => {
      calls.push('abandon');
      await fsp.rm(path.dirname(staged.tree), { recursive: true, force: true });
    },
    close: async () => {
      calls.push('close');
    },
  };
  return { phases, calls, atCommit: () => atCommit };
}

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
  await writeTree(ws.src, { 'f/a.txt': 'alpha', 'f/b/c.txt': 'gamma' });
});
afterEach(async () => {
  await ws.cleanup();
});

describe('a backup in phases', () => {
  it('prepares, copies the tree and the whole manifest into the staging, then commits, and answers its snapshot', async () => {
    const { phases, calls, atCommit } = directoryPhases(ws.backup);
    const result = await backupWith(phases, 'f', { sourceRoot: ws.src, jobId: 'job-1', hash: false });
    expect(calls).toEqual(['prepare', 'commit', 'close']);
    expect(atCommit()).toEqual(['manifest', 'tree']);
    expect(result).toMatchObject({
      snapshot: 'kept/one',
      files: 2,
      bytes: 10,
      copiedFiles: 2,
      linkedFiles: 0,
    });
    const kept = await readTree(path.join(ws.backup, 'kept', 'one'));
    expect([...kept.keys()].sort()).toEqual(['', 'a.txt', 'b', 'b/c.txt']);
    const lines = (await fsp.readFile(path.join(ws.backup, 'kept', 'one.manifest'), 'utf8'))
      .trimEnd()
      .split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      format: 'strongbox-manifest',
      folder: 'f',
      jobId: 'job-1',
    });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ end: true, files: 2, bytes: 10 });
  });

  it("answers prepare's adopted result without copying or committing anything", async () => {
    const adopted: BackupResult = {
      snapshot: 'kept/earlier',
      files: 7,
      bytes: 70,
      copiedFiles: 7,
      copiedBytes: 70,
      linkedFiles: 0,
      skipped: 0,
      warnings: [],
      durationMs: 5,
      excluded: { byPattern: 0, byMarker: 0, bySize: 0, bySizeBytes: 0 },
    };
    const { phases, calls } = directoryPhases(ws.backup, { adopted });
    expect(await backupWith(phases, 'f', { sourceRoot: ws.src, jobId: 'job-1' })).toEqual(adopted);
    expect(calls).toEqual(['prepare', 'close']);
    expect(await fsp.readdir(ws.backup)).toEqual([]);
  });

  it('abandons the staging when commit is refused, rejects with the reason, and closes', async () => {
    const { phases, calls } = directoryPhases(ws.backup);
    const refusal = new Error('lock lost');
    const error = await rejectionOf(
      backupWith(phases, 'f', {
        sourceRoot: ws.src,
        jobId: 'job-1',
        beforeCommit: () => Promise.reject(refusal),
      }),
    );
    expect(error).toBe(refusal);
    expect(calls).toEqual(['prepare', 'commit', 'abandon', 'close']);
    expect(await fsp.readdir(ws.backup)).toEqual([]);
  });

  it('prepares nothing for a source folder that does not exist', async () => {
    const { phases, calls } = directoryPhases(ws.backup);
    const error = await rejectionOf(backupWith(phases, 'missing', { sourceRoot: ws.src, jobId: 'job-1' }));
    expect((error as EngineError).code).toBe('NO_SUCH_DIRECTORY');
    expect(error).toBeInstanceOf(EngineError);
    expect(calls).toEqual([]);
  });
});
