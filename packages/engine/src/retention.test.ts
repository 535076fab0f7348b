import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRetention, runBackup, snapshotExists, verifySnapshot } from './local-tree/entry-points.js';
import type { RetentionPolicy } from './repository/repository.js';
import { selectKept } from './retention.js';
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

/** Snapshots at these ISO times, newest first, as forget hands them to selectKept. */
function at(...times: string[]): { time: Date; name: string }[] {
  return times
    .map((t) => ({ time: new Date(t), name: t }))
    .sort((a, b) => b.time.getTime() - a.time.getTime());
}

function kept(snapshots: { time: Date; name: string }[], policy: RetentionPolicy): string[] {
  const keep = selectKept(snapshots, policy);
  return snapshots.filter((s) => keep.has(s)).map((s) => s.name);
}

/** One snapshot a day at noon UTC, from `first` to `last` (YYYY-MM-DD), inclusive. */
function daily(first: string, last: string): { time: Date; name: string }[] {
  const out: string[] = [];
  for (let t = Date.parse(`${first}T12:00:00Z`); t <= Date.parse(`${last}T12:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return at(...out.map((d) => `${d}T12:00:00Z`)).map((s) => ({ ...s, name: s.name.slice(0, 10) }));
}

// The examples of docs/operations.md, "Retention per folder".
describe('selectKept, with restic forget semantics', () => {
  it('daily backups for three years under --keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75', () => {
    const snapshots = daily('2024-01-01', '2026-12-31');
    expect(kept(snapshots, { keepDaily: 7, keepWeekly: 5, keepMonthly: 12, keepYearly: 75 })).toEqual([
      // keepDaily 7: the last seven days.
      '2026-12-31',
      '2026-12-30',
      '2026-12-29',
      '2026-12-28',
      '2026-12-27',
      '2026-12-26',
      '2026-12-25',
      // keepWeekly 5: the Sundays of ISO weeks 51, 50, 49 (weeks 53 and 52 are kept already).
      '2026-12-20',
      '2026-12-13',
      '2026-12-06',
      // keepMonthly 12: the last day of each month of 2026 (December is kept already).
      '2026-11-30',
      '2026-10-31',
      '2026-09-30',
      '2026-08-31',
      '2026-07-31',
      '2026-06-30',
      '2026-05-31',
      '2026-04-30',
      '2026-03-31',
      '2026-02-28',
      '2026-01-31',
      // keepYearly 75: the last day of each year that has snapshots (2026 is kept already).
      '2025-12-31',
      '2024-12-31',
    ]);
  });

  it('keepHourly keeps the newest snapshot of each of the n newest hours that have one', () => {
    const snapshots = at(
      '2026-03-01T10:05:00Z',
      '2026-03-01T10:40:00Z',
      '2026-03-01T11:10:00Z',
      '2026-03-01T13:00:00Z',
      '2026-03-01T13:30:00Z',
    );
    expect(kept(snapshots, { keepHourly: 3 })).toEqual([
      '2026-03-01T13:30:00Z',
      '2026-03-01T11:10:00Z',
      '2026-03-01T10:40:00Z',
    ]);
  });

  it('keepWeekly groups by ISO week, whose year may not be the calendar year', () => {
    // 2020-12-31 (Thursday) and 2021-01-03 (Sunday) are both in ISO week 2020-W53; 2021-01-04 opens 2021-W01.
    const snapshots = at('2020-12-31T08:00:00Z', '2021-01-03T08:00:00Z', '2021-01-04T08:00:00Z');
    expect(kept(snapshots, { keepWeekly: 2 })).toEqual(['2021-01-04T08:00:00Z', '2021-01-03T08:00:00Z']);
    expect(kept(snapshots, { keepYearly: 2 })).toEqual(['2021-01-04T08:00:00Z', '2020-12-31T08:00:00Z']);
  });

  it('periods are UTC: 23:30 and 00:30 UTC are two days, whatever the server time zone', () => {
    const snapshots = at('2026-05-01T23:30:00Z', '2026-05-02T00:30:00Z', '2026-05-02T01:30:00Z');
    expect(kept(snapshots, { keepDaily: 2 })).toEqual(['2026-05-02T01:30:00Z', '2026-05-01T23:30:00Z']);
  });

  it('keepLast and the bucket rules add up: a snapshot is kept when any rule keeps it', () => {
    const snapshots = at(
      '2026-01-10T09:00:00Z',
      '2026-02-10T09:00:00Z',
      '2026-03-10T09:00:00Z',
      '2026-03-20T09:00:00Z',
      '2026-03-20T10:00:00Z',
    );
    expect(kept(snapshots, { keepLast: 2, keepMonthly: 2 })).toEqual([
      '2026-03-20T10:00:00Z',
      '2026-03-20T09:00:00Z',
      '2026-02-10T09:00:00Z',
    ]);
  });

  it('a monthly rule larger than the months there are keeps one per month, not the oldest extra', () => {
    const snapshots = at(
      '2024-01-02T13:42:44Z',
      '2024-01-03T01:04:38Z',
      '2024-01-04T20:09:54Z',
      '2024-01-04T20:20:32Z',
    );
    expect(kept(snapshots, { keepMonthly: 4 })).toEqual(['2024-01-04T20:20:32Z']);
  });

  it('keeps everything when every rule is 0 or absent, and nothing of an empty list', () => {
    const snapshots = at('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z');
    expect(kept(snapshots, {})).toEqual(['2026-01-01T00:00:01Z', '2026-01-01T00:00:00Z']);
    expect(
      kept(snapshots, {
        keepLast: 0,
        keepHourly: 0,
        keepDaily: 0,
        keepWeekly: 0,
        keepMonthly: 0,
        keepYearly: 0,
      }),
    ).toEqual(['2026-01-01T00:00:01Z', '2026-01-01T00:00:00Z']);
    expect(selectKept([], { keepLast: 3 }).size).toBe(0);
  });
});
