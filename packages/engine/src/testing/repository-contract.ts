import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import type { Repository } from '../repository/repository.js';
import { readTree, rejectionOf, writeTree } from './helpers.js';

/** A repository to test, empty, with a source root of its own beside it. */
export interface ContractSubject {
  repository: Repository;
  sourceRoot: string;
  /** Removes the repository and the source root. */
  cleanup(): Promise<void>;
}

/**
 * What every Repository promises, whatever it keeps snapshots in: run by each implementation's own
 * test file with a function that makes a fresh, empty one (`make`) for every test.
 */
export function repositoryContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`${name} keeps the Repository contract`, () => {
    let subject: ContractSubject;
    let repository: Repository;
    let src: string;
    beforeEach(async () => {
      subject = await make();
      repository = subject.repository;
      src = subject.sourceRoot;
      await writeTree(src, { 'docs/a.txt': 'alpha', 'docs/sub/b.txt': 'beta!' });
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    // Job ids are UUIDs, as the queue makes them: one for each name a test gives its jobs.
    let jobIds = new Map<string, string>();
    beforeEach(() => {
      jobIds = new Map();
    });
    const jobId = (name: string) => {
      if (!jobIds.has(name)) jobIds.set(name, randomUUID());
      return jobIds.get(name)!;
    };
    const backup = (job: string, extra: { now?: Date; beforeCommit?: () => Promise<void> } = {}) =>
      repository.backup('docs', { sourceRoot: src, jobId: jobId(job), ...extra });

    it('backs a folder up into a snapshot that it lists, finds, verifies and restores as it was', async () => {
      const result = await backup('job-1');
      expect(result).toMatchObject({
        files: 2,
        bytes: 10,
        copiedFiles: 2,
        copiedBytes: 10,
        linkedFiles: 0,
        skipped: 0,
        warnings: [],
      });
      expect((await repository.listSnapshots('docs')).map((s) => s.snapshot)).toEqual([result.snapshot]);
      expect(await repository.snapshotExists(result.snapshot)).toBe(true);
      expect(await repository.listFolders()).toEqual(['docs']);
      expect(await repository.verify(result.snapshot)).toMatchObject({ files: 2, bytes: 10 });
      const restored = await repository.restore(result.snapshot, { sourceRoot: src, target: 'back' });
      expect(restored).toMatchObject({ target: 'back', files: 2, bytes: 10 });
      const contents = async (dir: string) =>
        [...(await readTree(path.join(src, dir)))].map(([rel, e]) => [rel, e.type, e.content ?? null]);
      expect(await contents('back')).toEqual(await contents('docs'));
    });

    it('links what did not change from the previous snapshot, and lists snapshots oldest first', async () => {
      const first = await backup('job-1', { now: new Date('2026-01-01T00:00:00Z') });
      await writeTree(src, { 'docs/a.txt': 'ALPHA, changed' });
      const second = await backup('job-2', { now: new Date('2026-01-02T00:00:00Z') });
      expect(second).toMatchObject({ files: 2, copiedFiles: 1, linkedFiles: 1 });
      expect((await repository.listSnapshots('docs')).map((s) => s.snapshot)).toEqual([
        first.snapshot,
        second.snapshot,
      ]);
      expect((await repository.listSnapshots('docs')).map((s) => s.time.toISOString())).toEqual([
        '2026-01-01T00:00:00.000Z',
        '2026-01-02T00:00:00.000Z',
      ]);
    });

    it('answers a retry of a job whose snapshot is complete with that snapshot, copying nothing', async () => {
      const first = await backup('job-1');
      await writeTree(src, { 'docs/c.txt': 'added since' });
      expect(await backup('job-1')).toEqual(first);
      expect((await repository.listSnapshots('docs')).map((s) => s.snapshot)).toEqual([first.snapshot]);
    });

    it('makes no snapshot when beforeCommit refuses, and rejects with its reason', async () => {
      const refusal = new Error('lock lost');
      expect(await rejectionOf(backup('job-1', { beforeCommit: () => Promise.reject(refusal) }))).toBe(
        refusal,
      );
      expect(await repository.listSnapshots('docs')).toEqual([]);
    });

    it('forgets the snapshots no rule keeps, and answers which', async () => {
      const made = [];
      for (const day of ['01', '02', '03']) {
        made.push((await backup(`job-${day}`, { now: new Date(`2026-01-${day}T00:00:00Z`) })).snapshot);
      }
      expect(await repository.forget('docs', { keepLast: 2, keepDaily: 0 })).toEqual({
        kept: [made[2], made[1]],
        pruned: [made[0]],
      });
      expect(await repository.snapshotExists(made[0]!)).toBe(false);
      expect((await repository.listSnapshots('docs')).map((s) => s.snapshot)).toEqual([made[1], made[2]]);
      await repository.verify(made[1]!);
    });

    it('refuses a folder the contract refuses with INVALID_FOLDER, and keeps nothing of it', async () => {
      for (const call of [
        () => repository.backup('../docs', { sourceRoot: src, jobId: jobId('job-1') }),
        () => repository.listSnapshots('/docs'),
        () => repository.forget('docs/', { keepLast: 1, keepDaily: 0 }),
        () => repository.sweep('docs//sub'),
      ]) {
        const error = await rejectionOf(call());
        expect(error).toBeInstanceOf(EngineError);
        expect((error as EngineError).code).toBe('INVALID_FOLDER');
      }
      expect(await repository.listFolders()).toEqual([]);
    });

    it('answers NO_SUCH_SNAPSHOT for a snapshot it never made, and nothing for a folder it never saw', async () => {
      const made = await backup('job-1');
      const unknown = `${made.snapshot}x`;
      expect(await repository.snapshotExists(unknown)).toBe(false);
      for (const call of [
        () => repository.verify(unknown),
        () => repository.restore(unknown, { sourceRoot: src, target: 'back' }),
      ]) {
        expect(((await rejectionOf(call())) as EngineError).code).toBe('NO_SUCH_SNAPSHOT');
      }
      await expect(fsp.stat(path.join(src, 'back'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await repository.listSnapshots('never')).toEqual([]);
      expect(await repository.forget('never', { keepLast: 1, keepDaily: 0 })).toEqual({
        kept: [],
        pruned: [],
      });
      expect(await repository.sweep('never')).toEqual([]);
    });
  });
}
