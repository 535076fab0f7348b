import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { prepareBackupFolder, runBackup, snapshotExists, verifySnapshot } from './local-tree/entry-points.js';
import {
  absolutePathsIn,
  ageAllButSnapshots,
  LAYOUT_RECORD,
  listAll,
  rejectionOf,
  workspace,
  writeTree,
} from './testing/helpers.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
});
afterEach(async () => {
  await ws.cleanup();
});

let jobs = 0;
const backup = (folder: string) =>
  runBackup({ sourceRoot: ws.src, backupFolder: ws.backup, folder, jobId: `job-${++jobs}` });
const verify = (snapshot: string) => verifySnapshot({ backupFolder: ws.backup, snapshot });

describe('one folder never reaches another folder’s snapshots', () => {
  it('keeps the snapshots of a folder named like a snapshot when its parent is backed up', async () => {
    await writeTree(ws.src, { 'nest/a.txt': 'a', 'nest/20200101T000000Z-abcdef/b.txt': 'b' });
    const inner = await backup('nest/20200101T000000Z-abcdef');
    await backup('nest');
    expect(await snapshotExists(ws.backup, inner.snapshot)).toBe(true);
    expect(await verify(inner.snapshot)).toMatchObject({ files: 1, bytes: 1 });
  });

  it('keeps the snapshots of a folder named like a staging directory, however old they are', async () => {
    await writeTree(ws.src, { 'nest/a.txt': 'a', 'nest/.staging-0123456789ab-1/b.txt': 'b' });
    const inner = await backup('nest/.staging-0123456789ab-1');
    // Staging directories without an owner file are stale after a minute.
    await ageAllButSnapshots(ws.backup, 5 * 60_000);
    await backup('nest');
    expect(await verify(inner.snapshot)).toMatchObject({ files: 1, bytes: 1 });
  });

  it('backs up a folder named like a manifest, and its parent again and again', async () => {
    await writeTree(ws.src, { 'nest/a.txt': 'a', 'nest/20200101T000000Z-abcdef.manifest.jsonl/b.txt': 'b' });
    const inner = await backup('nest/20200101T000000Z-abcdef.manifest.jsonl');
    const first = await backup('nest');
    const second = await backup('nest');
    expect(second.snapshot).not.toBe(first.snapshot);
    expect(await verify(first.snapshot)).toMatchObject({ files: 2 });
    expect(await verify(inner.snapshot)).toMatchObject({ files: 1 });
  });

  it('writes a subfolder named like its parent’s snapshot outside that snapshot', async () => {
    await writeTree(ws.src, { 'y/a.txt': 'a' });
    const parent = await backup('y');
    const name = path.basename(parent.snapshot);
    await writeTree(ws.src, { [`y/${name}/b.txt`]: 'b' });
    const child = await backup(`y/${name}`);
    expect(await verify(parent.snapshot)).toMatchObject({ files: 1, bytes: 1 });
    expect(await verify(child.snapshot)).toMatchObject({ files: 1, bytes: 1 });
  });

  it('never follows a symlink kept in a snapshot when backing up another folder: nothing appears outside', async () => {
    const outside = path.join(ws.dir, 'outside');
    await fsp.mkdir(outside);
    await writeTree(ws.src, { 'x/a.txt': 'a' });
    await fsp.symlink(outside, path.join(ws.src, 'x/evil'));
    const x = await backup('x');
    const name = path.basename(x.snapshot);
    // A real folder in the source whose path, read inside BACKUP_FOLDER, runs through the symlink.
    await fsp.mkdir(path.join(ws.src, `x/${name}/evil/new`), { recursive: true });
    const error = await rejectionOf(backup(`x/${name}/evil/new`));
    expect(await listAll(outside)).toEqual(['']);
    expect(error).toBeUndefined();
  });
});

describe('errors name no absolute path of the server', () => {
  it('says what failed relative to the roots when the backup directory cannot be made', async () => {
    await fsp.writeFile(path.join(ws.backup, '.strongbox-layout'), LAYOUT_RECORD);
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    // A file where the folder's directory should be.
    await fsp.writeFile(path.join(ws.backup, 'f'), 'in the way');
    const error = (await rejectionOf(backup('f'))) as EngineError;
    expect(error).toBeInstanceOf(EngineError);
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toBe(
      'I/O error while opening the backup directory of f: not a directory (ENOTDIR)',
    );
    expect(error.message).not.toContain(ws.dir);
    expect(absolutePathsIn(error.message)).toEqual([]);
    expect(JSON.stringify(error.cause)).toContain(ws.backup);
  });

  it('says "the source root" rather than its path when it is missing', async () => {
    const error = (await rejectionOf(
      runBackup({ sourceRoot: path.join(ws.dir, 'nope'), backupFolder: ws.backup, folder: 'f', jobId: 'j' }),
    )) as EngineError;
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toBe(
      'I/O error while resolving the source root: no such file or directory (ENOENT)',
    );
  });
});

describe('the layout record', () => {
  const layoutFile = () => path.join(ws.backup, '.strongbox-layout');
  const refused = async (promise: Promise<unknown>, message: string) => {
    const error = (await rejectionOf(promise)) as EngineError;
    expect(error).toBeInstanceOf(EngineError);
    expect({ code: error.code, message: error.message }).toEqual({ code: 'UNKNOWN_LAYOUT', message });
  };
  const notEmpty =
    'The backup folder holds files but no .strongbox-layout record: it was written by an older ' +
    'Strongbox or by something else, and this one would not read it right. Point BACKUP_FOLDER at an ' +
    'empty directory, or move what it holds elsewhere.';

  it('is written into an empty backup folder, and only there', async () => {
    await prepareBackupFolder(ws.backup);
    expect(await fsp.readFile(layoutFile(), 'utf8')).toBe(LAYOUT_RECORD);
    expect(await listAll(ws.backup)).toEqual(['', '.strongbox-layout']);
  });

  it('is written by the first backup, and a folder holding only lost+found counts as empty', async () => {
    await fsp.mkdir(path.join(ws.backup, 'lost+found'));
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    const result = await backup('f');
    expect(await fsp.readFile(layoutFile(), 'utf8')).toBe(LAYOUT_RECORD);
    expect(result.snapshot).toMatch(/^f\/\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  });

  it('accepts a backup folder of the known layout and leaves its record alone', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    await fsp.writeFile(layoutFile(), LAYOUT_RECORD);
    const before = await fsp.stat(layoutFile());
    await prepareBackupFolder(ws.backup);
    await backup('f');
    expect((await fsp.stat(layoutFile())).mtimeMs).toBe(before.mtimeMs);
  });

  it('refuses an unknown layout version, and a record it cannot read, saying what to do', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    await fsp.writeFile(layoutFile(), '{"format":"strongbox-backup-folder","version":2}\n');
    const unknown =
      'The backup folder has layout version 2, which this Strongbox does not know (it knows 1): run ' +
      'the Strongbox that wrote it, or point BACKUP_FOLDER at another directory.';
    await refused(prepareBackupFolder(ws.backup), unknown);
    await refused(backup('f'), unknown);
    await fsp.writeFile(layoutFile(), 'not json');
    await refused(
      prepareBackupFolder(ws.backup),
      'The backup folder has a .strongbox-layout record this Strongbox cannot read: run the Strongbox ' +
        'that wrote it, or point BACKUP_FOLDER at another directory.',
    );
    expect(await listAll(ws.backup)).toEqual(['', '.strongbox-layout']);
  });

  it('refuses a backup folder that holds files but no record, and changes nothing in it', async () => {
    await writeTree(ws.backup, { 'photos/20200101T000000Z-abcdef/a.txt': 'old layout' });
    await writeTree(ws.src, { 'f/a.txt': 'a' });
    const before = await listAll(ws.backup);
    await refused(prepareBackupFolder(ws.backup), notEmpty);
    await refused(backup('f'), notEmpty);
    await refused(verify('photos/20200101T000000Z-abcdef'), notEmpty);
    expect(await listAll(ws.backup)).toEqual(before);
  });
});
