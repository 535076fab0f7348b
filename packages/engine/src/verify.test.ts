import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { runBackup, verifySnapshot } from './local-tree/entry-points.js';
import { workspace, writeTree } from './testing/helpers.js';
import { utimeSeconds } from './times.js';

let ws: Awaited<ReturnType<typeof workspace>>;
let snapshot: string;
let dir: string;
beforeEach(async () => {
  ws = await workspace();
  await writeTree(ws.src, {
    'f/a.txt': 'alpha',
    'f/sub/b.bin': Buffer.alloc(3 * 1024 * 1024, 7),
    'f/sub/c.txt': 'c',
  });
  await fsp.symlink('a.txt', path.join(ws.src, 'f/link'));
  snapshot = (await runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder: 'f', jobId: 'j' }))
    .snapshot;
  dir = path.join(ws.backup, snapshot);
});
afterEach(async () => {
  await ws.cleanup();
});

async function corrupt(): Promise<EngineError> {
  const error = await verifySnapshot({ backupFolder: ws.backup, snapshot }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).code).toBe('SNAPSHOT_CORRUPT');
  return error as EngineError;
}

describe('verifySnapshot', () => {
  it('passes on a good snapshot', async () => {
    const r = await verifySnapshot({ backupFolder: ws.backup, snapshot });
    expect(r).toMatchObject({ files: 4, bytes: 5 + 3 * 1024 * 1024 + 1 });
  });

  it('catches a flipped byte and names the file', async () => {
    const file = path.join(dir, 'sub/b.bin');
    const before = await fsp.stat(file, { bigint: true });
    const handle = await fsp.open(file, 'r+');
    await handle.write(Buffer.from([8]), 0, 1, 2_000_000);
    await handle.close();
    // Bit rot does not touch the mtime.
    await fsp.utimes(file, utimeSeconds(before.atimeNs), utimeSeconds(before.mtimeNs));
    const error = await corrupt();
    expect(error.message).toContain('sub/b.bin (content differs)');
    expect(error.details).toMatchObject({ differences: [{ path: 'sub/b.bin', problem: 'content differs' }] });
  });

  it('catches a missing file and an extra file', async () => {
    await fsp.rm(path.join(dir, 'sub/c.txt'));
    await fsp.writeFile(path.join(dir, 'extra.txt'), 'x');
    const error = await corrupt();
    expect(error.message).toContain('sub/c.txt (missing from the snapshot)');
    expect(error.message).toContain('extra.txt (not in the manifest)');
  });

  it('catches a changed mode, mtime and symlink target', async () => {
    await fsp.chmod(path.join(dir, 'a.txt'), 0o600);
    await fsp.utimes(path.join(dir, 'sub/c.txt'), 1000, 1000);
    await fsp.rm(path.join(dir, 'link'));
    await fsp.symlink('elsewhere', path.join(dir, 'link'));
    const error = await corrupt();
    expect(error.message).toContain('a.txt (mode differs)');
    expect(error.message).toContain('sub/c.txt (mtime differs)');
    expect(error.message).toMatch(/link \([^)]*symlink target differs\)/);
  });

  it('says NO_SUCH_SNAPSHOT for a snapshot that is gone', async () => {
    await fsp.rm(dir, { recursive: true });
    const error = await verifySnapshot({ backupFolder: ws.backup, snapshot }).catch((e: unknown) => e);
    expect((error as EngineError).code).toBe('NO_SUCH_SNAPSHOT');
  });
});
