import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { prepareBackupFolder, runBackup, verifySnapshot } from './local-tree/entry-points.js';
import { formatStagingName, hostHash, jobHash } from './local-tree/layout.js';
import { newProfile, PHASES } from './profile.js';
import type { Progress } from './progress.js';
import { deadPid, listAll, readTree, workspace, writeTree } from './testing/helpers.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
});
afterEach(async () => {
  await ws.cleanup();
});

const backup = (extra: Partial<Parameters<typeof runBackup>[0]> = {}) =>
  runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder: 'f', jobId: 'job-1', ...extra });

async function expectCode(promise: Promise<unknown>, code: string, message?: string): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).code).toBe(code);
  if (message !== undefined) expect((error as EngineError).message).toBe(message);
  return error as EngineError;
}

/** Names in the folder's backup directory other than snapshots, manifests and its folder record. */
async function leftovers(folder = 'f'): Promise<string[]> {
  const names = await fsp.readdir(path.join(ws.backup, folder)).catch(() => []);
  return names.filter((n) => !/^(\d{8}T\d{6}Z-[0-9a-f]{6}(\.manifest\.jsonl)?|\.folder\.json)$/.test(n));
}

describe('runBackup fidelity', () => {
  it('copies the tree exactly: bytes, modes, mtimes, empty dirs, odd names, deep paths, symlinks', async () => {
    const f = path.join(ws.src, 'f');
    const deep = Array.from({ length: 40 }, (_, i) => `level-${i}-with-a-fairly-long-directory-name`).join(
      '/',
    );
    await writeTree(f, {
      'plain.txt': 'hello\n',
      'with space and ünïcödé 漢字.txt': 'unicode',
      'sub/data.bin': Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)),
      [`${deep}/leaf.txt`]: 'deep',
      'private/secret': 'mode 600',
    });
    await fsp.writeFile(path.join(f, 'empty-file'), '');
    await fsp.mkdir(path.join(f, 'empty-dir'));
    await fsp.chmod(path.join(f, 'private/secret'), 0o600);
    await fsp.chmod(path.join(f, 'plain.txt'), 0o754);
    await fsp.chmod(path.join(f, 'private'), 0o500);
    await fsp.symlink('plain.txt', path.join(f, 'rel-link'));
    await fsp.symlink('/etc/passwd', path.join(f, 'abs-link'));
    await fsp.symlink('does/not/exist', path.join(f, 'dangling'));
    await fsp.symlink('../../..', path.join(f, 'sub/up-link'));
    await fsp.utimes(path.join(f, 'plain.txt'), 1_600_000_000.25, 1_600_000_000.123456);
    await fsp.utimes(path.join(f, 'empty-dir'), 1_500_000_000, 1_500_000_000);

    const result = await backup();
    expect(result.snapshot).toMatch(/^f\/\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const source = await readTree(f);
    const snap = await readTree(path.join(ws.backup, result.snapshot));
    expect([...snap.keys()].sort()).toEqual([...source.keys()].sort());
    for (const [rel, s] of source) {
      const d = snap.get(rel)!;
      expect({ rel, type: d.type, content: d.content, target: d.target }).toEqual({
        rel,
        type: s.type,
        content: s.content,
        target: s.target,
      });
      if (s.type !== 'symlink') expect({ rel, mode: d.mode }).toEqual({ rel, mode: s.mode });
      // Node's utimes keeps microseconds: the snapshot holds the source mtime to the microsecond.
      expect({ rel, mtime: d.mtimeNs }).toEqual({ rel, mtime: (s.mtimeNs / 1000n) * 1000n });
    }
    expect(snap.get('plain.txt')!.mtimeNs).toBe(1_600_000_000_123_456_000n);
    expect(snap.get('abs-link')!.target).toBe('/etc/passwd');
    expect(snap.get('sub/up-link')!.target).toBe('../../..');
    expect(result).toMatchObject({ files: 10, copiedFiles: 6, linkedFiles: 0, skipped: 0, warnings: [] });
    expect(result.bytes).toBe(6 + 7 + 70_000 + 4 + 8 + 0);
    expect(await leftovers()).toEqual([]);
  });

  it('keeps the source nanoseconds in the manifest for the next incremental decision', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    const st = await fsp.lstat(path.join(ws.src, 'f/a.txt'), { bigint: true });
    const result = await backup();
    const manifest = await fsp.readFile(path.join(ws.backup, `${result.snapshot}.manifest.jsonl`), 'utf8');
    const line = manifest
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.path === 'a.txt');
    expect(line.src.mtime).toBe(String(st.mtimeNs));
    expect(line.src.ctime).toBe(String(st.ctimeNs));
    expect(line.mtime).toBe(String((st.mtimeNs / 1000n) * 1000n));
    expect(line.hash).toBe('ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
  });

  it('skips a FIFO and a socket, counts them and says so in warnings', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    execFileSync('mkfifo', [path.join(ws.src, 'f/pipe')]);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path.join(ws.src, 'f/sock'), resolve));
    try {
      const result = await backup();
      expect(result).toMatchObject({ files: 1, skipped: 2 });
      // Batches finish in any order, and their warnings with them.
      expect(result.warnings.sort()).toEqual([
        'skipped special file (fifo): pipe',
        'skipped special file (socket): sock',
      ]);
      expect(await listAll(path.join(ws.backup, result.snapshot))).toEqual(['', 'a.txt']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('skips names that are not valid UTF-8, saying so with the bytes escaped', async () => {
    await writeTree(ws.src, { 'f/ok.txt': 'ok', 'f/caf\uFFFD.txt': 'a valid name with U+FFFD' });
    const f = Buffer.from(path.join(ws.src, 'f/'));
    await fsp.writeFile(
      Buffer.concat([f, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74])]),
      'latin-1 name',
    );
    await fsp.mkdir(Buffer.concat([f, Buffer.from([0x64, 0xff])]));
    await fsp.writeFile(Buffer.concat([f, Buffer.from([0x64, 0xff, 0x2f, 0x78])]), 'inside');
    const result = await backup();
    expect(result).toMatchObject({
      files: 2,
      skipped: 2,
      warnings: ['name is not valid UTF-8, skipped: caf\\xe9.t', 'name is not valid UTF-8, skipped: d\\xff'],
    });
    expect(await listAll(path.join(ws.backup, result.snapshot))).toEqual(['', 'caf\uFFFD.txt', 'ok.txt']);
    await verifySnapshot({ backupFolder: ws.backup, snapshot: result.snapshot });
  });

  it('warns about a file that vanishes during the copy and goes on', async () => {
    await writeTree(ws.src, { 'f/a-dir/x': 'x', 'f/b.txt': 'b', 'f/c.txt': 'c' });
    const result = await backup({
      hooks: {
        beforeOpenDirectory: async () => {
          await fsp.rm(path.join(ws.src, 'f/b.txt'));
        },
      },
    });
    expect(result.warnings).toEqual(['file has vanished: b.txt']);
    expect(result.files).toBe(2);
    expect(result.skipped).toBe(1);
  });

  it('reports progress with totals, the last call equal to the totals', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`f/d${i % 7}/file-${i}`] = 'x'.repeat(i);
    await writeTree(ws.src, files);
    const calls: Progress[] = [];
    const result = await backup({ onProgress: (p) => calls.push(p) });
    const last = calls.at(-1)!;
    expect(last).toEqual({
      filesDone: 300,
      filesTotal: 300,
      bytesDone: result.bytes,
      bytesTotal: result.bytes,
    });
    expect(calls.length).toBeLessThan(50);
  });

  it('takes progress totals from the previous snapshot at once, then ends at what was done', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`f/d${i % 5}/file-${i}`] = 'z'.repeat(10);
    await writeTree(ws.src, files);
    await backup();
    await writeTree(ws.src, { 'f/d0/new-1': 'abc', 'f/d1/new-2': 'defg' });
    const calls: Progress[] = [];
    const result = await backup({ jobId: 'job-2', onProgress: (p) => calls.push(p) });
    expect(result.files).toBe(52);
    // The first call already has the previous snapshot's totals: 50 files of 10 bytes.
    expect(calls[0]!.filesTotal).toBe(50);
    expect(calls[0]!.bytesTotal).toBe(500);
    expect(calls.at(-1)).toEqual({ filesDone: 52, filesTotal: 52, bytesDone: 507, bytesTotal: 507 });
  });
});

describe("runBackup profile (the bench's --profile)", () => {
  it('fills every phase it went through: the counting pass on a first backup, links on the next', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`f/d${i % 5}/file-${i}`] = 'y'.repeat(100 + i);
    await writeTree(ws.src, files);
    const profile = newProfile();
    const first = await backup({ profile, onProgress: () => {} });
    expect(first.copiedFiles).toBe(50);
    expect(Object.keys(profile).sort()).toEqual([...PHASES].sort());
    for (const phase of [
      'walk',
      'open+read',
      'write',
      'hash',
      'manifest',
      'flush',
      'rename',
      'count',
    ] as const)
      expect(profile[phase], phase).toBeGreaterThan(0);
    expect(profile.link).toBe(0);

    const again = newProfile();
    const second = await backup({ profile: again, jobId: 'job-2', onProgress: () => {} });
    expect(second.linkedFiles).toBe(50);
    expect(again.link).toBeGreaterThan(0);
    // The totals came from the previous snapshot: no counting pass ran.
    expect(again.count).toBe(0);
  });
});

describe('runBackup with the backup folder inside the source', () => {
  it('does not copy the backup folder into the snapshot', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    const inside = path.join(ws.src, 'f/backups');
    await fsp.mkdir(inside);
    const first = await runBackup({ sourceRoot: ws.src, backupFolder: inside, folder: 'f', jobId: 'j1' });
    const second = await runBackup({ sourceRoot: ws.src, backupFolder: inside, folder: 'f', jobId: 'j2' });
    expect(first.files).toBe(1);
    expect(second.files).toBe(1);
    expect(second.warnings).toEqual(['the backup folder lies inside the source, not copied: backups']);
  });
});

describe('runBackup refuses bad folders', () => {
  it('says "No such directory" for a missing folder', async () => {
    await expectCode(
      runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder: 'photos/2024', jobId: 'j' }),
      'NO_SUCH_DIRECTORY',
      'No such directory: photos/2024',
    );
  });

  it('refuses a file', async () => {
    await writeTree(ws.src, { 'f/file.txt': 'x' });
    await expectCode(
      runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder: 'f/file.txt', jobId: 'j' }),
      'NOT_A_DIRECTORY',
      'Not a directory: f/file.txt',
    );
  });

  it('refuses a folder with a name too long to exist by the folder rule', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    await expectCode(
      runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder: `f/${'x'.repeat(256)}`, jobId: 'j' }),
      'INVALID_FOLDER',
      `The folder must not have a segment longer than 255 bytes: "f/${'x'.repeat(98)}"… (258 characters)`,
    );
  });

  it('says "No such directory" for a symlink loop', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    await fsp.symlink('loop-b', path.join(ws.src, 'loop-a'));
    await fsp.symlink('loop-a', path.join(ws.src, 'loop-b'));
    for (const folder of ['loop-a', 'loop-a/below']) {
      await expectCode(
        runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder, jobId: 'j' }),
        'NO_SUCH_DIRECTORY',
        `No such directory: ${folder}`,
      );
    }
  });

  it('refuses an invalid folder', async () => {
    await expectCode(
      runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder: '../x', jobId: 'j' }),
      'INVALID_FOLDER',
    );
  });

  it('refuses a folder that escapes the source root through a symlink', async () => {
    await fsp.mkdir(path.join(ws.dir, 'outside/inner'), { recursive: true });
    await fsp.symlink(path.join(ws.dir, 'outside'), path.join(ws.src, 'escape'));
    await fsp.symlink('../outside', path.join(ws.src, 'escape-rel'));
    for (const folder of ['escape', 'escape/inner', 'escape-rel/inner']) {
      await expectCode(
        runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder, jobId: 'j' }),
        'OUTSIDE_SOURCE_ROOT',
        `Outside the source root: ${folder}`,
      );
    }
    expect(await listAll(ws.backup)).toEqual(['', '.strongbox-layout']);
  });

  it('follows a symlink in the folder that stays inside the source root', async () => {
    await writeTree(ws.src, { 'real/a.txt': 'a' });
    await fsp.symlink('real', path.join(ws.src, 'alias'));
    const result = await runBackup({
      sourceRoot: ws.src,
      backupFolder: ws.backup,
      folder: 'alias',
      jobId: 'j',
    });
    expect(result.files).toBe(1);
  });
});

describe('runBackup safety', () => {
  it('never reads outside the source when a directory is swapped for a symlink mid-walk', async () => {
    const outside = path.join(ws.dir, 'outside');
    await writeTree(outside, { 'stolen.txt': 'secret', 'inner/stolen-too.txt': 'secret' });
    await writeTree(ws.src, { 'f/sub/inner/own.txt': 'own', 'f/sub/keep.txt': 'keep', 'f/zz/x': 'x' });
    const outsideBefore = await readTree(outside);
    const result = await backup({
      hooks: {
        beforeOpenDirectory: async (rel) => {
          if (rel === 'sub/inner') {
            // `sub` is already open: swap it and its child for symlinks leading outside.
            await fsp.rename(path.join(ws.src, 'f/sub'), path.join(ws.src, 'moved-sub'));
            await fsp.symlink(outside, path.join(ws.src, 'f/sub'));
          }
          if (rel === 'zz') {
            await fsp.rename(path.join(ws.src, 'f/zz'), path.join(ws.src, 'moved-zz'));
            await fsp.symlink(outside, path.join(ws.src, 'f/zz'));
          }
        },
      },
    });
    const snap = await readTree(path.join(ws.backup, result.snapshot));
    const contents = [...snap.values()].map((e) => e.content && Buffer.from(e.content, 'base64').toString());
    expect(contents).not.toContain('secret');
    expect([...snap.keys()].some((k) => k.includes('stolen'))).toBe(false);
    // The directory opened before the swap is still read from where it really is.
    expect(snap.get('sub/inner/own.txt')?.type).toBe('file');
    expect(snap.has('zz')).toBe(false);
    expect(result.warnings).toContain('replaced during the backup, skipped: zz');
    expect(await readTree(outside)).toEqual(outsideBefore);
  });

  it('leaves no partial snapshot when aborted mid-copy, and cleans its staging', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`f/d${String(i).padStart(2, '0')}/x`] = 'x';
    await writeTree(ws.src, files);
    const controller = new AbortController();
    let dirs = 0;
    const error = await backup({
      signal: controller.signal,
      hooks: {
        beforeOpenDirectory: () => {
          if (++dirs === 10) controller.abort(new Error('stop now'));
        },
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('stop now');
    expect(await fsp.readdir(path.join(ws.backup, 'f'))).toEqual(['.folder.json']);
  });

  it('removes stale staging of dead attempts and of an earlier try of the same job', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    await prepareBackupFolder(ws.backup);
    const folderDir = path.join(ws.backup, 'f');
    const now = Date.now();
    const stale = async (owner: { job: string; host?: string; pid: number; startedAt?: number }) => {
      const name = formatStagingName({ host: hostHash(), startedAt: now, ...owner });
      await writeTree(path.join(folderDir, name), { 'tree/partial.txt': 'partial' });
      return name;
    };
    await stale({ job: jobHash('other'), pid: deadPid() });
    await stale({ job: jobHash('job-1'), host: 'ee11ee77', pid: 1 });
    const live = await stale({ job: jobHash('other'), pid: process.ppid });
    const foreign = await stale({ job: jobHash('other'), host: 'ee11ee77', pid: 1 });
    const result = await backup();
    expect((await fsp.readdir(folderDir)).sort()).toEqual(
      [
        path.basename(result.snapshot),
        `${path.basename(result.snapshot)}.manifest.jsonl`,
        '.folder.json',
        foreign,
        live,
      ].sort(),
    );
  });

  it("removes an older Strongbox's staging (owner.json) whose process is gone", async () => {
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    await prepareBackupFolder(ws.backup);
    const folderDir = path.join(ws.backup, 'f');
    await writeTree(path.join(folderDir, '.staging-abc-1'), {
      'tree/half.txt': 'half',
      'manifest.jsonl': '{',
    });
    await fsp.writeFile(
      path.join(folderDir, '.staging-abc-1', 'owner.json'),
      JSON.stringify({
        jobId: 'crashed',
        host: hostname(),
        pid: deadPid(),
        startedAt: new Date().toISOString(),
      }),
    );
    const result = await backup({ jobId: 'next' });
    expect(await leftovers()).toEqual([]);
    expect((await readTree(path.join(ws.backup, result.snapshot))).has('half.txt')).toBe(false);
  });
});

describe('runBackup incremental', () => {
  it('hard-links unchanged files and copies changed ones', async () => {
    await writeTree(ws.src, {
      'f/same.txt': 'same',
      'f/dir/same2.txt': 'same2',
      'f/grows.txt': 'v1',
      'f/sneaky.txt': 'AAAA',
      'f/gone.txt': 'gone',
    });
    const first = await backup();
    expect(first).toMatchObject({ files: 5, copiedFiles: 5, linkedFiles: 0 });

    await fsp.writeFile(path.join(ws.src, 'f/grows.txt'), 'version 2');
    // Same size and same mtime, different bytes: only ctime (and the inode) tell.
    const sneaky = path.join(ws.src, 'f/sneaky.txt');
    const before = await fsp.stat(sneaky);
    await fsp.writeFile(`${sneaky}.new`, 'BBBB');
    await fsp.rename(`${sneaky}.new`, sneaky);
    await fsp.utimes(sneaky, before.atime, before.mtime);
    await fsp.rm(path.join(ws.src, 'f/gone.txt'));
    await writeTree(ws.src, { 'f/new.txt': 'new' });

    const second = await backup({ jobId: 'job-2' });
    expect(second).toMatchObject({ files: 5, copiedFiles: 3, linkedFiles: 2, copiedBytes: 9 + 4 + 3 });
    const ino = async (snap: string, rel: string) => (await fsp.stat(path.join(ws.backup, snap, rel))).ino;
    expect(await ino(second.snapshot, 'same.txt')).toBe(await ino(first.snapshot, 'same.txt'));
    expect(await ino(second.snapshot, 'dir/same2.txt')).toBe(await ino(first.snapshot, 'dir/same2.txt'));
    expect(await ino(second.snapshot, 'sneaky.txt')).not.toBe(await ino(first.snapshot, 'sneaky.txt'));
    expect(await fsp.readFile(path.join(ws.backup, second.snapshot, 'sneaky.txt'), 'utf8')).toBe('BBBB');
    expect(await fsp.readFile(path.join(ws.backup, second.snapshot, 'grows.txt'), 'utf8')).toBe('version 2');
    expect(await fsp.readFile(path.join(ws.backup, first.snapshot, 'grows.txt'), 'utf8')).toBe('v1');
  });

  it('copies instead of linking when the previous snapshot file is no longer as recorded', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'aaaa' });
    const first = await backup();
    await fsp.writeFile(path.join(ws.backup, first.snapshot, 'a.txt'), 'tampered!');
    const second = await backup({ jobId: 'job-2' });
    expect(second).toMatchObject({ copiedFiles: 1, linkedFiles: 0 });
    expect(await fsp.readFile(path.join(ws.backup, second.snapshot, 'a.txt'), 'utf8')).toBe('aaaa');
  });

  it('copies, leaving no link behind, when the previous snapshot file was replaced by a symlink or a directory', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'aaaa', 'f/b.txt': 'bbbb', 'f/c.txt': 'cccc' });
    const first = await backup();
    const old = (name: string) => path.join(ws.backup, first.snapshot, name);
    const c = await fsp.stat(old('c.txt'));
    // Same size, another mtime: the manifest's record no longer holds.
    await fsp.utimes(old('c.txt'), c.atime, new Date(c.mtimeMs + 5_000));
    await writeTree(path.join(ws.dir, 'outside'), { 'secret.txt': 'SECRET' });
    await fsp.rm(old('a.txt'));
    await fsp.symlink(path.join(ws.dir, 'outside/secret.txt'), old('a.txt'));
    await fsp.rm(old('b.txt'));
    await fsp.mkdir(old('b.txt'));

    const second = await backup({ jobId: 'job-2' });
    expect(second).toMatchObject({ files: 3, copiedFiles: 3, linkedFiles: 0 });
    const snap = (name: string) => path.join(ws.backup, second.snapshot, name);
    for (const [name, text] of [
      ['a.txt', 'aaaa'],
      ['b.txt', 'bbbb'],
      ['c.txt', 'cccc'],
    ] as const) {
      const st = await fsp.lstat(snap(name));
      expect({ name, file: st.isFile(), links: st.nlink }).toEqual({ name, file: true, links: 1 });
      expect(await fsp.readFile(snap(name), 'utf8')).toBe(text);
    }
    // The previous snapshot's files are as they were left, with no second name.
    expect((await fsp.stat(old('c.txt'))).nlink).toBe(1);
    expect((await fsp.lstat(old('a.txt'))).isSymbolicLink()).toBe(true);
  });
});
