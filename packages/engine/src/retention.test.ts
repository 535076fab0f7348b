import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRetention, runBackup, snapshotExists, verifySnapshot } from './local-tree/entry-points.js';
import { workspace, writeTree } from './testing/helpers.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
  await writeTree(ws.src, { 'f/shared.txt': 'shared by every snapshot', 'f/first.txt': 'first' });
});
afterEach(async () => {
  await ws.cleanup();
});

async function snapshotsAt(times: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const [i, t] of times.entries()) {
    const r = await runBackup({
      sourceRoot: ws.src,
      backupFolder: ws.backup,
      folder: 'f',
      jobId: `j${i}`,
      now: new Date(t),
    });
    out.push(r.snapshot);
  }
  return out;
}

describe('applyRetention', () => {
  it('keeps the newest N and never breaks the newer snapshots that share hard links', async () => {
    const s = await snapshotsAt(['2026-01-01T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-03T10:00:00Z']);
    const r = await applyRetention({ backupFolder: ws.backup, folder: 'f', keepLast: 1, keepDaily: 0 });
    expect(r).toEqual({ kept: [s[2]], pruned: [s[1], s[0]] });
    expect(await snapshotExists(ws.backup, s[0]!)).toBe(false);
    await expect(fsp.lstat(path.join(ws.backup, `${s[0]}.manifest.jsonl`))).rejects.toThrow();
    expect(await fsp.readFile(path.join(ws.backup, s[2]!, 'shared.txt'), 'utf8')).toBe(
      'shared by every snapshot',
    );
    await verifySnapshot({ backupFolder: ws.backup, snapshot: s[2]! });
  });

  it('keeps the newest snapshot of each of the last N days that have snapshots', async () => {
    const s = await snapshotsAt([
      '2026-01-01T10:00:00Z',
      '2026-01-01T12:00:00Z',
      '2026-01-03T09:00:00Z',
      '2026-01-05T08:00:00Z',
      '2026-01-05T09:00:00Z',
    ]);
    const r = await applyRetention({ backupFolder: ws.backup, folder: 'f', keepLast: 0, keepDaily: 2 });
    expect(r.kept).toEqual([s[4], s[2]]);
    expect(r.pruned).toEqual([s[3], s[1], s[0]]);
  });

  it('keeps what any rule keeps, and everything when both rules are 0', async () => {
    const s = await snapshotsAt(['2026-01-01T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-02T11:00:00Z']);
    expect(
      (await applyRetention({ backupFolder: ws.backup, folder: 'f', keepLast: 0, keepDaily: 0 })).pruned,
    ).toEqual([]);
    const r = await applyRetention({ backupFolder: ws.backup, folder: 'f', keepLast: 2, keepDaily: 2 });
    expect(r.kept).toEqual([s[2], s[1], s[0]]);
  });
});
