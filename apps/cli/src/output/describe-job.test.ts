import { describe, expect, it } from 'vitest';
import { jobOf } from '../testing/jobs.js';
import { describeJob } from './describe-job.js';

const ID = '5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90';

describe('describeJob', () => {
  it('names a queued job by kind, id and folder', () => {
    expect(describeJob(jobOf())).toBe(`backup ${ID} photos/2024: queued`);
  });

  it('gives a running job its worker and progress, with ? for totals not counted yet', () => {
    const job = jobOf({
      status: 'running',
      worker: 'vm:42',
      progress: { filesDone: 3, filesTotal: null, bytesDone: 2048, bytesTotal: null },
    });
    expect(describeJob(job)).toBe(`backup ${ID} photos/2024: running on vm:42, 3 of ? files, 2.0 KiB of ?`);
  });

  it('sums up a check that succeeded: findings, packs and those read whole, orphans, duration', () => {
    const job = jobOf({
      kind: 'check',
      folder: '',
      status: 'succeeded',
      params: { readData: 10 },
      result: {
        ok: true,
        readData: 10,
        snapshots: 3,
        packs: 12,
        referencedBlobs: 40,
        packsRead: 2,
        bytesRead: 4096,
        orphans: { packs: 1, bytes: 2048 },
        findings: [],
        findingsTotal: 1,
        durationMs: 95,
      },
    });
    expect(describeJob(job)).toBe(
      `check ${ID} the repository: succeeded, 1 finding, 12 packs (2 read whole), 1 orphan pack of 2.0 KiB, 95 ms`,
    );
  });

  it('sums up a backup that succeeded: snapshot, files, bytes, linked, duration', () => {
    const job = jobOf({
      status: 'succeeded',
      result: {
        snapshot: 'photos/2024/20261122T010203Z-1a2b3c',
        files: 120,
        bytes: 123_456,
        copiedFiles: 20,
        copiedBytes: 23_456,
        linkedFiles: 100,
        skipped: 0,
        warnings: [],
        durationMs: 812,
      },
    });
    expect(describeJob(job)).toBe(
      `backup ${ID} photos/2024: succeeded, snapshot photos/2024/20261122T010203Z-1a2b3c, 120 files, 121 KiB, 100 linked, 812 ms`,
    );
  });

  it('counts the entries a backup that succeeded skipped', () => {
    const job = jobOf({
      status: 'succeeded',
      result: {
        snapshot: 's/1',
        files: 3,
        bytes: 10,
        linkedFiles: 0,
        durationMs: 20,
        ...{ skipped: 2, warnings: ['name is not valid UTF-8, skipped: a', 'cannot read (EACCES): b'] },
      },
    });
    expect(describeJob(job)).toBe(
      `backup ${ID} photos/2024: succeeded, snapshot s/1, 3 files, 10 B, 0 linked, 2 skipped, 20 ms`,
    );
  });

  it('sums up a prune that succeeded: packs deleted with their bytes, repacked, condemned, duration', () => {
    const job = jobOf({
      kind: 'prune',
      folder: '',
      status: 'succeeded',
      params: null,
      result: {
        packsDeleted: 12,
        bytesDeleted: 3 * 1024 * 1024,
        packsRepacked: 1,
        bytesRepacked: 4096,
        packsWritten: 1,
        bytesWritten: 1024,
        packsCondemned: 3,
        blobsCondemned: 57,
        packsRescued: 0,
        packsWaiting: 0,
        runningBackups: 0,
        durationMs: 812,
      },
    });
    expect(describeJob(job)).toBe(
      `prune ${ID} the repository: succeeded, 12 packs deleted (3.0 MiB), 1 pack repacked, 3 packs condemned, 812 ms`,
    );
  });

  it('sums up a restore with its path and target', () => {
    const job = jobOf({
      kind: 'restore',
      status: 'succeeded',
      params: { backupId: ID, target: 'restored/x', path: 'sub' },
      result: { snapshot: 's/1', path: 'sub', target: 'restored/x', files: 1, bytes: 5, durationMs: 1500 },
    });
    expect(describeJob(job)).toBe(
      `restore ${ID} photos/2024: succeeded, path sub of snapshot s/1 into restored/x, 1 file, 5 B, 1.5 s`,
    );
  });

  it('sums up a verify without linked files', () => {
    const job = jobOf({
      kind: 'verify',
      status: 'succeeded',
      params: { backupId: ID },
      result: { snapshot: 's/1', files: 2, bytes: 63, durationMs: 45 },
    });
    expect(describeJob(job)).toBe(`verify ${ID} photos/2024: succeeded, snapshot s/1, 2 files, 63 B, 45 ms`);
  });

  it("gives a failed or cancelled job its error's code and message", () => {
    const failed = jobOf({
      status: 'failed',
      error: { code: 'NO_SUCH_DIRECTORY', message: 'No such directory: x' },
    });
    expect(describeJob(failed)).toBe(
      `backup ${ID} photos/2024: failed, NO_SUCH_DIRECTORY: No such directory: x`,
    );
    const cancelled = jobOf({
      status: 'cancelled',
      error: { code: 'CANCELLED', message: 'Cancelled by a client' },
    });
    expect(describeJob(cancelled)).toBe(
      `backup ${ID} photos/2024: cancelled, CANCELLED: Cancelled by a client`,
    );
  });
});
