import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackup, sweepFolder } from './local-tree/entry-points.js';
import { MANIFEST_SUFFIX } from './local-tree/layout.js';
import type { BackupResult } from './repository/repository.js';
import { readTree, workspace, writeTree } from './testing/helpers.js';

const KILL_AT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing/kill-at.mjs');
const FILES = 100;

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) files[`f/d${i % 5}/file-${i}.txt`] = `content of ${i} `.repeat(50);
  await writeTree(ws.src, files);
});
afterEach(async () => {
  await ws.cleanup();
});

const options = () => ({ sourceRoot: ws.src, backupFolder: ws.backup, folder: 'f', jobId: 'job-1' });
const entries = async () => (await fsp.readdir(path.join(ws.backup, 'f'))).sort();

/** Runs the engine in a child process that SIGKILLs itself at `step` of `call`. */
async function killedAt(call: 'backup' | 'sweep', step: string, args: object): Promise<void> {
  const child = spawn(process.execPath, [KILL_AT, call, step, JSON.stringify(args)], { stdio: 'inherit' });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  expect({ code, signal }, `the engine never reached ${step}`).toEqual({ code: null, signal: 'SIGKILL' });
}

/** What a retry must leave: the snapshot and its manifest, nothing else but the folder record. */
async function expectOnlySnapshot(result: BackupResult): Promise<void> {
  const name = path.basename(result.snapshot);
  expect(await entries()).toEqual(['.folder.json', name, `${name}${MANIFEST_SUFFIX}`].sort());
  const source = await readTree(path.join(ws.src, 'f'));
  const snapshot = await readTree(path.join(ws.backup, result.snapshot));
  const shape = (tree: typeof source) => [...tree].map(([rel, e]) => [rel, e.type, e.content]).sort();
  expect(shape(snapshot)).toEqual(shape(source));
}

describe('a backup killed at each step of its snapshot, then retried', () => {
  for (const [step, left] of [
    ['staging-created', /^\.staging-/],
    ['header-written', /^\.staging-/],
    ['mid-copy', /^\.staging-/],
    ['manifest-renamed', /^\d{8}T\d{6}Z-[0-9a-f]{6}\.manifest\.jsonl$/],
  ] as const) {
    it(`killed at ${step}: the retry cleans what it left and copies again`, async () => {
      await killedAt('backup', step, options());
      expect((await entries()).filter((n) => left.test(n))).toHaveLength(1);
      const retry = await runBackup(options());
      expect(retry).toMatchObject({ files: FILES, copiedFiles: FILES, linkedFiles: 0 });
      await expectOnlySnapshot(retry);
    });
  }

  it('killed right after the snapshot was renamed into place: the retry adopts it, with its first result', async () => {
    await killedAt('backup', 'snapshot-renamed', options());
    const made = (await entries()).filter((n) => /^\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(n));
    expect(made).toHaveLength(1);
    const retry = await runBackup(options());
    expect(retry).toMatchObject({
      snapshot: `f/${made[0]}`,
      files: FILES,
      copiedFiles: FILES,
      linkedFiles: 0,
    });
    await expectOnlySnapshot(retry);
  });

  it('killed mid-copy, then the cleanup killed mid-removal: a tombstone is left, and the retry removes it', async () => {
    await killedAt('backup', 'mid-copy', options());
    await killedAt('sweep', 'mid-cleanup', { backupFolder: ws.backup, folder: 'f' });
    const left = await entries();
    expect(left.filter((n) => n.startsWith('.dead-'))).toHaveLength(1);
    expect(left.filter((n) => n.startsWith('.staging-'))).toEqual([]);
    // A sweep of the folder, which every worker runs at start and now and then, removes it too.
    expect(await sweepFolder({ backupFolder: ws.backup, folder: 'f' })).toEqual(
      left.filter((n) => n.startsWith('.dead-')),
    );
    const retry = await runBackup(options());
    await expectOnlySnapshot(retry);
  });
});
