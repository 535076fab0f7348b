import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import type { BackupFilter } from '../filter.js';
import type { Progress } from '../progress.js';
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

    describe('leaves out what the backup filter says (docs/engine.md, "What a backup leaves out")', () => {
      const none = { byPattern: 0, byMarker: 0, bySize: 0, bySizeBytes: 0 };
      const filtered = (
        job: string,
        filter: BackupFilter,
        extra: { onProgress?: (p: Progress) => void } = {},
      ) => repository.backup('tree', { sourceRoot: src, jobId: jobId(job), filter, ...extra });
      /** The paths a restore of the snapshot writes (directories with a trailing "/"), sorted. */
      const restoredPaths = async (snapshot: string, target: string) => {
        await repository.restore(snapshot, { sourceRoot: src, target });
        const tree = await readTree(path.join(src, target));
        return [...tree]
          .filter(([rel]) => rel !== '')
          .map(([rel, e]) => (e.type === 'dir' ? `${rel}/` : rel))
          .sort();
      };

      it('patterns: globs, negation, directory-only and anchored patterns, **, and no re-inclusion under an excluded directory', async () => {
        await writeTree(src, {
          'tree/keep.txt': 'kept',
          'tree/x.tmp': 'temporary',
          'tree/keep.tmp': 'negated back in',
          'tree/cache/a.bin': 'cached',
          'tree/cache/keep.me': 'under an excluded directory: stays out',
          'tree/sub/cache/b.bin': 'a nested cache/ directory',
          'tree/notdir/cache': 'a file named cache: cache/ matches directories only',
          'tree/top-only': 'anchored: only at the top',
          'tree/sub/top-only': 'not at the top: kept',
          'tree/logs/2026/app.log': 'below logs/**',
          'tree/logs/root.log': 'below logs/**',
          'tree/build/a.o': 'build/* leaves it out',
          'tree/build/keep.o': 'negated back in',
          'tree/deep/build/x.o': 'build/* has a slash: anchored, so kept',
          'tree/UPPER.TMP': 'patterns are case-sensitive',
          'tree/#keep.txt': 'a # line is a comment',
          'tree/#hash.txt': 'an escaped # is a pattern',
        });
        const exclude = [
          '*.tmp',
          '!keep.tmp',
          'cache/',
          '!cache/keep.me',
          '/top-only',
          'logs/**',
          'build/*',
          '!build/keep.o',
          '',
          '#keep.txt',
          '\\#hash.txt',
        ];
        const progress: Progress[] = [];
        const result = await filtered('job-1', { exclude }, { onProgress: (p) => progress.push(p) });
        // x.tmp, cache/, sub/cache/, top-only, logs/2026/, logs/root.log, build/a.o, #hash.txt.
        expect(result.excluded).toEqual({ ...none, byPattern: 8 });
        expect(result).toMatchObject({ files: 8, skipped: 0, warnings: [] });
        expect(result.bytes).toBe(
          'kept'.length +
            'negated back in'.length * 2 +
            'a file named cache: cache/ matches directories only'.length +
            'not at the top: kept'.length +
            'build/* has a slash: anchored, so kept'.length +
            'patterns are case-sensitive'.length +
            'a # line is a comment'.length,
        );
        expect(progress.at(-1)).toMatchObject({ filesDone: 8, bytesDone: result.bytes });
        expect(await restoredPaths(result.snapshot, 'back')).toEqual([
          '#keep.txt',
          'UPPER.TMP',
          'build/',
          'build/keep.o',
          'deep/',
          'deep/build/',
          'deep/build/x.o',
          'keep.tmp',
          'keep.txt',
          'logs/',
          'notdir/',
          'notdir/cache',
          'sub/',
          'sub/top-only',
        ]);
        expect(await repository.verify(result.snapshot)).toMatchObject({ files: 8, bytes: result.bytes });
        // A retry of the job answers the same result, counts of what was left out included.
        expect(await filtered('job-1', { exclude })).toEqual(result);
      });

      it('markers: a directory holding one is left out with all it holds; the folder holding one backs up nothing', async () => {
        await writeTree(src, {
          'tree/a.txt': 'alpha',
          'tree/private/.nobackup': '',
          'tree/private/secret.txt': 'secret',
          'tree/private/deeper/x.txt': 'deeper',
          'tree/pub/b.txt': 'beta',
          'tree/pub/.nobackup-not': 'another name',
          'tree/vendor/.nobackup/inside': 'a marker may be a directory too',
          'tree/vendor/v.txt': 'left out',
        });
        const result = await filtered('job-1', { excludeIfPresent: ['.nobackup'] });
        expect(result.excluded).toEqual({ ...none, byMarker: 2 });
        expect(result).toMatchObject({
          files: 3,
          bytes: 'alpha'.length + 'beta'.length + 'another name'.length,
        });
        expect(await restoredPaths(result.snapshot, 'back')).toEqual([
          'a.txt',
          'pub/',
          'pub/.nobackup-not',
          'pub/b.txt',
        ]);

        await writeTree(src, { 'tree/.nobackup': '' });
        const empty = await filtered('job-2', { excludeIfPresent: ['.nobackup'] });
        expect(empty).toMatchObject({
          files: 0,
          bytes: 0,
          excluded: { ...none, byMarker: 1 },
          warnings: ['the folder holds the marker .nobackup: nothing in it is backed up'],
        });
        expect(await restoredPaths(empty.snapshot, 'back-empty')).toEqual([]);
      });

      it('size: files over maxFileSize are left out, also when unchanged since a snapshot that held them', async () => {
        await writeTree(src, {
          'tree/small.txt': 'x'.repeat(50),
          'tree/big.bin': 'y'.repeat(51),
          'tree/d/huge': 'z'.repeat(400),
        });
        // With no limit first, so that the next backup finds the large files unchanged.
        const first = await filtered('job-1', {});
        expect(first).toMatchObject({ files: 3, bytes: 501, excluded: none });
        const second = await filtered('job-2', { maxFileSize: 50 });
        expect(second).toMatchObject({
          files: 1,
          bytes: 50,
          excluded: { ...none, bySize: 2, bySizeBytes: 451 },
        });
        expect(await restoredPaths(second.snapshot, 'back')).toEqual(['d/', 'small.txt']);
        // And with no previous snapshot at all (a folder backed up the first time).
        await writeTree(src, { 'fresh/small.txt': 'x'.repeat(50), 'fresh/big.bin': 'y'.repeat(51) });
        const fresh = await repository.backup('fresh', {
          sourceRoot: src,
          jobId: jobId('job-3'),
          filter: { maxFileSize: 50 },
        });
        expect(fresh).toMatchObject({
          files: 1,
          bytes: 50,
          excluded: { ...none, bySize: 1, bySizeBytes: 51 },
        });
      });

      it('hostile patterns match only paths inside the folder: nothing outside it is read', async () => {
        await writeTree(src, {
          'tree/a.txt': 'alpha',
          'tree/etc/passwd': "the folder's own etc/passwd",
          'tree/outside.txt': 'inside, named like the file beside the folder',
          'outside.txt': 'beside the folder',
          'other/secret.txt': 'another folder',
        });
        const exclude = [
          '../outside.txt',
          '!../other/secret.txt',
          '!/../other/**',
          '/etc/passwd',
          '**/../*',
          '..',
          '[z-a]',
          '\\',
        ];
        const result = await filtered('job-1', { exclude });
        // "/etc/passwd" is anchored at the folder: it names tree/etc/passwd, never the system's.
        // "../outside.txt" and the like match nothing, not even the folder's own outside.txt.
        expect(result).toMatchObject({
          files: 2,
          bytes: 5 + 'inside, named like the file beside the folder'.length,
          excluded: { ...none, byPattern: 1 },
        });
        expect(await restoredPaths(result.snapshot, 'back')).toEqual(['a.txt', 'etc/', 'outside.txt']);
        const everything = await filtered('job-2', { exclude: ['**'] });
        expect(everything).toMatchObject({ files: 0, excluded: { ...none, byPattern: 3 } });
        expect(await restoredPaths(everything.snapshot, 'back-none')).toEqual([]);
      });
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

    it("reads a snapshot's directories and files, and lists a symlink without following it", async () => {
      await fsp.symlink('../../outside', path.join(src, 'docs', 'link'));
      const made = await backup('job-1');
      const names = async (dir: string) =>
        (await repository.listDirectory(made.snapshot, dir)).map((e) => [e.name, e.type, e.size]).sort();
      expect(await names('')).toEqual([
        ['a.txt', 'file', 5],
        ['link', 'symlink', 13],
        ['sub', 'dir', 0],
      ]);
      expect(await names('sub')).toEqual([['b.txt', 'file', 5]]);
      expect((await repository.listDirectory(made.snapshot, '')).find((e) => e.name === 'link')?.target).toBe(
        '../../outside',
      );
      const file = await repository.readFile(made.snapshot, 'sub/b.txt');
      expect(file.size).toBe(5);
      expect(Buffer.concat(await file.stream.toArray()).toString()).toBe('beta!');
      const codes = await Promise.all(
        [
          () => repository.readFile(made.snapshot, 'link'),
          () => repository.readFile(made.snapshot, 'sub'),
          () => repository.readFile(made.snapshot, 'link/x'),
          () => repository.readFile(made.snapshot, 'a.txt/x'),
          () => repository.readFile(made.snapshot, 'missing'),
          () => repository.listDirectory(made.snapshot, 'a.txt'),
          () => repository.listDirectory(made.snapshot, 'link'),
          () => repository.listDirectory(made.snapshot, 'sub/missing'),
          () => repository.listDirectory(`${made.snapshot}x`, ''),
        ].map(async (call) => ((await rejectionOf(call())) as EngineError).code),
      );
      expect(codes).toEqual([
        'NOT_A_FILE',
        'NOT_A_FILE',
        'NO_SUCH_PATH',
        'NO_SUCH_PATH',
        'NO_SUCH_PATH',
        'NOT_A_DIRECTORY',
        'NOT_A_DIRECTORY',
        'NO_SUCH_PATH',
        'NO_SUCH_SNAPSHOT',
      ]);
    });

    it('diffs two snapshots: a new directory and all it holds, a directory become a file, a changed mode', async () => {
      const first = await backup('job-1', { now: new Date('2026-01-01T00:00:00Z') });
      await fsp.rm(path.join(src, 'docs', 'sub'), { recursive: true });
      await writeTree(src, { 'docs/sub': 'now a file', 'docs/new/x.txt': 'x', 'docs/new/y/z.txt': 'zz' });
      await fsp.chmod(path.join(src, 'docs', 'a.txt'), 0o600);
      const second = await backup('job-2', { now: new Date('2026-01-02T00:00:00Z') });
      const changes = [];
      for await (const change of repository.diff(first.snapshot, second.snapshot)) changes.push(change);
      expect(changes).toEqual([
        { path: 'a.txt', change: 'changed', type: 'file', size: 5, previousSize: 5 },
        { path: 'new', change: 'added', type: 'dir', size: 0 },
        { path: 'new/x.txt', change: 'added', type: 'file', size: 1 },
        { path: 'new/y', change: 'added', type: 'dir', size: 0 },
        { path: 'new/y/z.txt', change: 'added', type: 'file', size: 2 },
        { path: 'sub', change: 'removed', type: 'dir', size: 0 },
        { path: 'sub', change: 'added', type: 'file', size: 10 },
        { path: 'sub/b.txt', change: 'removed', type: 'file', size: 5 },
      ]);
    });
  });
}
