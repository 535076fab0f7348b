import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackup } from './backup.js';
import { EngineError } from './errors.js';
import { restoreSnapshot } from './restore.js';
import { readTree, workspace, writeTree } from './testing/helpers.js';

let ws: Awaited<ReturnType<typeof workspace>>;
let snapshot: string;
beforeEach(async () => {
  ws = await workspace();
  await writeTree(ws.src, { 'f/a.txt': 'alpha', 'f/sub/b.txt': 'beta', 'f/sub/deeper/c.txt': 'c' });
  await fsp.chmod(path.join(ws.src, 'f/sub/b.txt'), 0o640);
  await fsp.utimes(path.join(ws.src, 'f/sub/b.txt'), 1_234_567_890, 1_234_567_890.5);
  await fsp.symlink('../a.txt', path.join(ws.src, 'f/sub/link'));
  await fsp.chmod(path.join(ws.src, 'f/sub/deeper'), 0o550);
  snapshot = (await runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder: 'f', jobId: 'j' }))
    .snapshot;
});
afterEach(async () => {
  await ws.cleanup();
});

const restore = (target: string, extra: { path?: string } = {}) =>
  restoreSnapshot({ backupFolder: ws.backup, snapshot, sourceRoot: ws.src, target, ...extra });

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return (error as EngineError).code;
}

describe('restoreSnapshot', () => {
  it('restores the whole snapshot with modes and mtimes', async () => {
    const r = await restore('restored/f');
    expect(r).toMatchObject({ target: 'restored/f', files: 4, bytes: 5 + 4 + 1 });
    const source = await readTree(path.join(ws.src, 'f'));
    const restored = await readTree(path.join(ws.src, 'restored/f'));
    expect(restored).toEqual(
      new Map([...source].map(([k, v]) => [k, { ...v, mtimeNs: (v.mtimeNs / 1000n) * 1000n }])),
    );
    expect((await fsp.readdir(path.join(ws.src, 'restored'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('restores one directory or one file', async () => {
    await restore('one-dir', { path: 'sub' });
    expect([...(await readTree(path.join(ws.src, 'one-dir'))).keys()].sort()).toEqual(
      ['', 'b.txt', 'deeper', 'deeper/c.txt', 'link'].sort(),
    );
    const r = await restore('one-file.txt', { path: 'sub/b.txt' });
    expect(r.files).toBe(1);
    const st = await fsp.stat(path.join(ws.src, 'one-file.txt'));
    expect(await fsp.readFile(path.join(ws.src, 'one-file.txt'), 'utf8')).toBe('beta');
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.mtimeMs).toBe(1_234_567_890_500);
  });

  it('refuses an existing target and leaves it alone', async () => {
    await writeTree(ws.src, { 'taken/keep.txt': 'mine' });
    expect(await code(restore('taken'))).toBe('TARGET_EXISTS');
    await writeTree(ws.src, { 'file-target': 'mine' });
    expect(await code(restore('file-target', { path: 'a.txt' }))).toBe('TARGET_EXISTS');
    expect(await fsp.readFile(path.join(ws.src, 'file-target'), 'utf8')).toBe('mine');
    expect(await fsp.readdir(path.join(ws.src, 'taken'))).toEqual(['keep.txt']);
  });

  it('refuses a bad target, a target outside the source root and a missing path', async () => {
    expect(await code(restore('../escape'))).toBe('INVALID_FOLDER');
    await fsp.mkdir(path.join(ws.dir, 'outside'));
    await fsp.symlink(path.join(ws.dir, 'outside'), path.join(ws.src, 'out'));
    expect(await code(restore('out/restored'))).toBe('OUTSIDE_SOURCE_ROOT');
    expect(await fsp.readdir(path.join(ws.dir, 'outside'))).toEqual([]);
    expect(await code(restore('x', { path: 'no/such' }))).toBe('NO_SUCH_PATH');
  });
});
