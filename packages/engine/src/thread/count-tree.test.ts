import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fdPath } from '../fd-path.js';
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
async function count(folder: string, hooks = {}) {
  const handle = await fsp.open(path.join(ws.src, folder), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    return countTree({ kind: 'count', root: fdPath(handle.fd) }, running, hooks);
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
});
