import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { restoreSnapshot, runBackup } from './local-tree/entry-points.js';
import { absolutePathsIn, listAll, readTree, rejectionOf, workspace, writeTree } from './testing/helpers.js';

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

  it('refuses a target through a symlink leading outside the same way whether or not the file exists there', async () => {
    const outside = path.join(ws.dir, 'outside');
    await writeTree(outside, { 'secret.txt': 'secret' });
    const outsideBefore = await readTree(outside);
    await fsp.symlink(outside, path.join(ws.src, 'outlink'));
    await fsp.symlink(path.join(outside, 'no-such-dir'), path.join(ws.src, 'dangling'));
    await fsp.symlink('../outside', path.join(ws.src, 'uplink'));
    for (const target of [
      'outlink/secret.txt',
      'outlink/absent.txt',
      'dangling/x',
      'uplink/secret.txt',
      'uplink/absent/x',
    ]) {
      const error = (await rejectionOf(restore(target, { path: 'a.txt' }))) as EngineError;
      expect({ target, code: error.code, message: error.message }).toEqual({
        target,
        code: 'OUTSIDE_SOURCE_ROOT',
        message: `Outside the source root: ${target}`,
      });
    }
    expect(await readTree(outside)).toEqual(outsideBefore);
  });

  it('follows a symlink in the target that stays inside the source root', async () => {
    await fsp.mkdir(path.join(ws.src, 'real'));
    await fsp.symlink('real', path.join(ws.src, 'alias'));
    await fsp.symlink(path.join(ws.src, 'real'), path.join(ws.src, 'absolute-alias'));
    await restore('alias/one.txt', { path: 'a.txt' });
    await restore('absolute-alias/two.txt', { path: 'a.txt' });
    expect((await fsp.readdir(path.join(ws.src, 'real'))).sort()).toEqual(['one.txt', 'two.txt']);
  });

  it('answers TARGET_EXISTS for a target that is a symlink, wherever it points', async () => {
    const outside = path.join(ws.dir, 'outside');
    await writeTree(outside, { 'secret.txt': 'secret' });
    await fsp.symlink(path.join(outside, 'secret.txt'), path.join(ws.src, 'to-outside'));
    await fsp.symlink(path.join(outside, 'absent.txt'), path.join(ws.src, 'to-nothing'));
    expect(await code(restore('to-outside', { path: 'a.txt' }))).toBe('TARGET_EXISTS');
    expect(await code(restore('to-nothing'))).toBe('TARGET_EXISTS');
    expect(await fsp.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(await fsp.readdir(outside)).toEqual(['secret.txt']);
  });

  it('restores to a target whose name is 250 bytes long', async () => {
    const long = 'x'.repeat(250);
    await restore(`whole/${long}`);
    await restore(`single/${long}`, { path: 'sub/b.txt' });
    expect(await fsp.readFile(path.join(ws.src, 'whole', long, 'a.txt'), 'utf8')).toBe('alpha');
    expect(await fsp.readFile(path.join(ws.src, 'single', long), 'utf8')).toBe('beta');
    expect(await fsp.readdir(path.join(ws.src, 'single'))).toEqual([long]);
  });

  it('refuses a target with a name longer than the filesystem allows, and one through a symlink loop', async () => {
    const long = `new/${'t'.repeat(256)}`;
    const tooLong = (await rejectionOf(restore(long))) as EngineError;
    expect({ code: tooLong.code, message: tooLong.message }).toEqual({
      code: 'INVALID_FOLDER',
      message: `The folder must not have a segment longer than 255 bytes: "${long.slice(0, 100)}"… (260 characters)`,
    });
    await fsp.symlink('loop', path.join(ws.src, 'loop'));
    const looped = (await rejectionOf(restore('loop/x'))) as EngineError;
    expect({ code: looped.code, message: looped.message }).toEqual({
      code: 'NO_SUCH_DIRECTORY',
      message: 'No such directory: loop/x',
    });
    expect(await fsp.readdir(ws.src)).toEqual(['f', 'loop']);
  });

  it('answers NO_SUCH_PATH for a path with a name longer than any name can be', async () => {
    const error = (await rejectionOf(restore('x', { path: `sub/${'y'.repeat(256)}` }))) as EngineError;
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'NO_SUCH_PATH',
      message: `No such path in snapshot ${snapshot}: sub/${'y'.repeat(256)}`,
    });
  });

  it('leaves nothing behind when it fails: removes the parents it created, and only those', async () => {
    await writeTree(ws.src, { 'existing/keep.txt': 'mine' });
    const before = await listAll(ws.src);
    const aborted = new AbortController();
    aborted.abort(new Error('stopped'));
    const stopped = await rejectionOf(
      restoreSnapshot({
        backupFolder: ws.backup,
        snapshot,
        sourceRoot: ws.src,
        target: 'existing/new1/new2/t',
        signal: aborted.signal,
      }),
    );
    expect((stopped as Error).message).toBe('stopped');
    expect(await listAll(ws.src)).toEqual(before);

    // A snapshot that cannot be restored whole: a FIFO where a file was.
    const file = path.join(ws.backup, snapshot, 'sub/b.txt');
    await fsp.chmod(path.join(ws.backup, snapshot, 'sub'), 0o755);
    await fsp.rm(file);
    execFileSync('mkfifo', [file]);
    const error = (await rejectionOf(restore('existing/new1/new2/t', { path: 'sub' }))) as EngineError;
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'IO_ERROR',
      message: 'Could not restore everything: skipped special file (fifo): b.txt',
    });
    expect(await listAll(ws.src)).toEqual(before);
  });

  it('names no absolute path in its errors', async () => {
    await writeTree(ws.src, { 'file.txt': 'x' });
    const errors = await Promise.all([
      rejectionOf(restore('file.txt/below')),
      rejectionOf(
        restoreSnapshot({
          backupFolder: ws.backup,
          snapshot,
          sourceRoot: path.join(ws.dir, 'gone'),
          target: 't',
        }),
      ),
      rejectionOf(restore('t', { path: 'no/such' })),
    ]);
    expect(errors.map((e) => (e as EngineError).code)).toEqual([
      'NOT_A_DIRECTORY',
      'IO_ERROR',
      'NO_SUCH_PATH',
    ]);
    for (const e of errors) expect(absolutePathsIn((e as EngineError).message)).toEqual([]);
  });
});
