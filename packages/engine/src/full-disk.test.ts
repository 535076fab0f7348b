import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workspace, writeTree } from './testing/helpers.js';

const FULL_DISK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing/full-disk.mjs');

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
});
afterEach(async () => {
  await ws.cleanup();
});

describe('a backup onto a full disk', () => {
  it('fails NO_SPACE, transient, leaving nothing; the next attempt, once there is room, succeeds', async () => {
    await writeTree(ws.src, { 'f/small.txt': 'small', 'f/big.bin': Buffer.alloc(3 * 1024 * 1024, 1) });
    // A 1 MiB filesystem of its own for the backup folder, in a mount namespace of the child's own.
    const script = 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"';
    const child = spawnSync(
      'unshare',
      [
        '--map-root-user',
        '--mount',
        'sh',
        '-c',
        script,
        'sh',
        ws.backup,
        process.execPath,
        FULL_DISK,
        ws.src,
        ws.backup,
        path.join(ws.src, 'f/big.bin'),
      ],
      { encoding: 'utf8' },
    );
    expect(child.status, child.stderr).toBe(0);
    const [first, second] = child.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(first).toEqual({ attempt: 1, code: 'NO_SPACE', transient: true, left: ['.folder.json'] });
    expect(second).toMatchObject({ attempt: 2, files: 1 });
    expect(second.left.filter((name: string) => name.startsWith('.'))).toEqual(['.folder.json']);
    expect(second.left).toHaveLength(3);
  });
});
