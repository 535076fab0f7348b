import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fdPath } from '../fd-path.js';
import type { BackupFilter } from '../filter.js';
import { runBackup } from '../local-tree/entry-points.js';
import { workspace, writeTree } from '../testing/helpers.js';
import { countTree } from './count-tree.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
});
afterEach(async () => {
  await ws.cleanup();
});

const running = { checkCancel: () => {} };

/** Counts `folder` the way a backup does: from a descriptor opened on it. */
async function count(folder: string, hooks = {}, filter?: BackupFilter) {
  const handle = await fsp.open(path.join(ws.src, folder), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    return countTree(
      { kind: 'count', root: fdPath(handle.fd), ...(filter ? { filter } : {}) },
      running,
      hooks,
    );
  } finally {
    await handle.close();
  }
}

describe('countTree', () => {
  it('counts files and symlinks and the bytes of the files, without following links', async () => {
    await writeTree(ws.src, { 'f/a.txt': 'abc', 'f/sub/b.txt': 'defgh', 'f/sub/deeper/c': '' });
    await fsp.symlink(ws.dir, path.join(ws.src, 'f/sub/up'));
    expect(await count('f')).toEqual({ files: 4, bytes: 8 });
  });

  it('never enters a directory swapped for a symlink to outside the folder during the count', async () => {
    const outside = path.join(ws.dir, 'outside');
    await writeTree(outside, {
      'stolen.txt': 'outside!',
      'inner/stolen.txt': 'outside!',
      'inner/x/y.txt': 'outside!',
    });
    await writeTree(ws.src, { 'f/a/own.txt': 'own', 'f/b/inner/own.txt': 'own' });
    const seen: string[] = [];
    const result = await count('f', {
      beforeOpenDirectory: (rel: string) => {
        seen.push(rel);
        if (rel === 'b/inner') {
          // `b` is already open: swap it for a symlink leading outside, where `inner` exists too.
          fs.renameSync(path.join(ws.src, 'f/b'), path.join(ws.src, 'moved-b'));
          fs.symlinkSync(outside, path.join(ws.src, 'f/b'));
        }
      },
    });
    // The directory opened before the swap is still counted from where it really is.
    expect(result).toEqual({ files: 2, bytes: 6 });
    expect(seen.sort()).toEqual(['a', 'b', 'b/inner']);
  });

  it('leaves out what the backup leaves out: patterns, marked directories, files over the size limit', async () => {
    await writeTree(ws.src, {
      'f/a.txt': 'abc',
      'f/x.tmp': 'left out',
      'f/cache/c.bin': 'left out',
      'f/build/a.o': 'left out',
      'f/build/keep.o': 'kept',
      'f/private/.nobackup': '',
      'f/private/p.txt': 'left out',
      'f/big.bin': '0123456789',
    });
    await fsp.symlink('a.txt', path.join(ws.src, 'f/link'));
    await fsp.symlink('a.txt', path.join(ws.src, 'f/link.tmp'));
    const filter = {
      exclude: ['*.tmp', 'cache/', 'build/*', '!build/keep.o'],
      excludeIfPresent: ['.nobackup'],
      maxFileSize: 9,
    };
    // a.txt, build/keep.o and the symlink `link`; the excluded directory is never opened.
    const counted: string[] = [];
    expect(await count('f', { beforeOpenDirectory: (rel: string) => counted.push(rel) }, filter)).toEqual({
      files: 3,
      bytes: 7,
    });
    expect(counted.sort()).toEqual(['build', 'private']);
    const copied: string[] = [];
    const backedUp = await runBackup({
      sourceRoot: ws.src,
      backupFolder: ws.backup,
      folder: 'f',
      jobId: 'j1',
      filter,
      hooks: { beforeOpenDirectory: (rel: string) => void copied.push(rel) },
    });
    expect(backedUp).toMatchObject({ files: 3, bytes: 7 });
    expect(copied.sort()).toEqual(['build', 'private']);
    // Without a filter, everything.
    expect(await count('f')).toEqual({ files: 10, bytes: 49 });
  });
});
