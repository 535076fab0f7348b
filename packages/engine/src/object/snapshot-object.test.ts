import { describe, expect, it } from 'vitest';
import { engineErrorOf } from '../testing/engine-failure.js';
import { associatedData, open, seal } from './seal.js';
import { openSnapshot, type SnapshotObject, sealSnapshot, snapshotPath } from './snapshot-object.js';

const dataKey = Buffer.alloc(32, 1);
const jobId = '5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69';
const snapshot: SnapshotObject = {
  version: 1,
  folder: 'photos/2024',
  jobId,
  time: '2026-12-06T23:00:00.000Z',
  tree: 'ab'.repeat(32),
  parent: '0b7e3c1a-8f7d-4b4e-9e55-2f0c1d2e3f40',
  totals: { files: 3, dirs: 2, symlinks: 1, bytes: 12345 },
};

describe('the snapshot object', () => {
  it('is named snapshots/<jobId>', () => {
    expect(snapshotPath(jobId)).toBe('snapshots/5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69');
  });

  it('is sealed JSON bound to its job id, and opens to what was sealed', () => {
    const sealed = sealSnapshot(dataKey, snapshot);
    const json = open(dataKey, sealed, Buffer.from(`snapshot\0${jobId}`), 'test').toString();
    expect(JSON.parse(json)).toEqual(snapshot);
    expect(openSnapshot(dataKey, jobId, sealed)).toEqual(snapshot);
  });

  it('opens a first snapshot, whose parent is null', () => {
    const first = { ...snapshot, parent: null };
    expect(openSnapshot(dataKey, jobId, sealSnapshot(dataKey, first))).toEqual(first);
  });

  it('refuses a snapshot moved to another name with REPOSITORY_DAMAGED', () => {
    const other = '0b7e3c1a-8f7d-4b4e-9e55-2f0c1d2e3f40';
    const error = engineErrorOf(() => openSnapshot(dataKey, other, sealSnapshot(dataKey, snapshot)));
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'REPOSITORY_DAMAGED',
      message: `Repository damaged: snapshot ${other} failed authentication: it is damaged, or was altered or moved`,
    });
  });

  it('refuses an authentic snapshot that names another job, or does not parse (another version, a field the format does not name)', () => {
    const other = '0b7e3c1a-8f7d-4b4e-9e55-2f0c1d2e3f40';
    const named = seal(
      dataKey,
      Buffer.from(JSON.stringify({ ...snapshot, jobId: other })),
      associatedData('snapshot', jobId),
    );
    expect(engineErrorOf(() => openSnapshot(dataKey, jobId, named)).message).toBe(
      `Repository damaged: snapshot ${jobId} names job ${other}`,
    );
    const versionTwo = seal(
      dataKey,
      Buffer.from(JSON.stringify({ ...snapshot, version: 2 })),
      associatedData('snapshot', jobId),
    );
    const error = engineErrorOf(() => openSnapshot(dataKey, jobId, versionTwo));
    expect(error.code).toBe('REPOSITORY_DAMAGED');
    expect(error.message).toMatch(
      new RegExp(`^Repository damaged: snapshot ${jobId} does not parse: .*version`, 's'),
    );
    const extra = seal(
      dataKey,
      Buffer.from(JSON.stringify({ ...snapshot, note: 'x' })),
      associatedData('snapshot', jobId),
    );
    expect(engineErrorOf(() => openSnapshot(dataKey, jobId, extra)).message).toMatch(
      /does not parse: .*note/s,
    );
  });

  it('refuses to seal a snapshot whose folder breaks the folder rule', () => {
    expect(() => sealSnapshot(dataKey, { ...snapshot, folder: '../etc' })).toThrow(
      /The folder must not have .* segments/,
    );
  });
});
