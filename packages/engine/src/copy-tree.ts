import { type BigIntStats, type Dirent, promises as fsp } from 'node:fs';
import {
  createChildDirectory,
  type DirectoryListing,
  isDirectoryEntry,
  openChildDirectory,
  readSortedEntries,
} from './anchored-dir.js';
import { Cancelled } from './cancelled.js';
import { type CopiedDirectory, completePiece, copiedDirectory, finishDirectory } from './dir-attributes.js';
import { errnoOf, toEngineError } from './errors.js';
import { DIR_FLAGS, fdPath } from './fd-path.js';
import type { PathFilter } from './filter.js';
import type { ManifestCursor, OrderedLines } from './manifest.js';
import { dirEntry, manifestLine } from './manifest-entry.js';
import type { CancelToken, WorkerPool } from './pool.js';
import { addProfile, type BackupProfile, timed } from './profile.js';
import { Semaphore } from './semaphore.js';
import { isSourceProblem } from './source-problem.js';
import { addTally, addWarning, type CopyCounters } from './tally.js';
import type { BatchEntry } from './thread/messages.js';

const MAX_BATCH = 64;
const MAX_MANIFEST_BACKLOG = 8 * 1024 * 1024;

/** Points at which tests can change the source tree mid-walk. @internal */
export interface CopyHooks {
  /** Called after a directory was listed and before a subdirectory of it is opened. */
  beforeOpenDirectory?: (relativePath: string) => void | Promise<void>;
}

export interface CopyTreeOptions {
  /** The source directory, already opened safely; the caller closes it. */
  source: fsp.FileHandle;
  /** Destination directory to create (must not exist); its parent must exist. */
  dest: string;
  /** Directories never to copy (the backup folder, should it lie inside the source). */
  exclude?: { dev: bigint; ino: bigint }[];
  /** The folder's policy: what is left out (null: nothing, and no test is made). */
  filter?: PathFilter | null;
  pool: WorkerPool;
  cancel: CancelToken;
  lines: OrderedLines | null;
  /** The previous snapshot to hard-link unchanged files from, with a cursor on its manifest. */
  previous: { dir: string; cursor: ManifestCursor } | null;
  hash: boolean;
  counters: CopyCounters;
  onChange: () => void;
  signal?: AbortSignal | undefined;
  hooks?: CopyHooks | undefined;
  /** Filled with the time per phase (the bench's --profile); nothing is timed without it. */
  profile?: BackupProfile | undefined;
}

/**
 * Copies a directory tree depth-first in name order. Directories are listed and opened here
 * (never through a symlink: each is opened relative to its parent's descriptor with O_NOFOLLOW);
 * files and symlinks go in batches to the worker threads, at most two batches per thread at a
 * time, so memory stays bounded by the largest single directory.
 */
export async function copyTree(options: CopyTreeOptions): Promise<void> {
  await new TreeCopier(options).run();
}

class TreeCopier {
  private failure: unknown;
  /** Batches and directory finishing under way: all settle before run() returns. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly openHandles = new Set<fsp.FileHandle>();
  private readonly batchSlots: Semaphore;
  private resolveDone!: () => void;
  /** Resolves when the root directory is finished, or at the first failure. */
  private readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly options: CopyTreeOptions) {
    this.batchSlots = new Semaphore(options.pool.size * 2);
  }

  async run(): Promise<void> {
    const { options } = this;
    const abort = () => {
      this.fail(options.signal?.reason ?? new Error('aborted'));
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      if (options.signal?.aborted) throw options.signal.reason;
      const st = await options.source.stat({ bigint: true });
      await fsp.mkdir(options.dest, { mode: 0o700 });
      const dest = this.track(await fsp.open(options.dest, DIR_FLAGS));
      const root = copiedDirectory(null, '', options.source, false, dest, st);
      this.emitDir('', st);
      await this.walk(root);
      await Promise.all(this.inFlight);
      if (this.failure === undefined) await this.done;
    } catch (error) {
      this.fail(error);
    } finally {
      options.signal?.removeEventListener('abort', abort);
      while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight);
      await Promise.allSettled([...this.openHandles].map((h) => h.close()));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error instanceof Cancelled ? (this.options.signal?.reason ?? error) : error;
    this.options.cancel.cancel();
    this.batchSlots.close();
    this.resolveDone();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private track(handle: fsp.FileHandle): fsp.FileHandle {
    this.openHandles.add(handle);
    return handle;
  }

  private emitDir(rel: string, st: BigIntStats): void {
    const { lines } = this.options;
    if (lines) lines.fill(lines.reserve(), `${manifestLine(dirEntry(rel, st))}\n`);
  }

  /** Copies what `dir` holds; `listed` is its listing when the caller read it already (markers). */
  private async walk(dir: CopiedDirectory, listed?: DirectoryListing): Promise<void> {
    const { filter } = this.options;
    let dirents: Dirent[];
    try {
      const listing =
        listed ?? (await timed(this.options.profile, 'walk', () => readSortedEntries(dir.source)));
      dirents = listing.entries;
      for (const name of listing.notUtf8) {
        this.options.counters.skipped++;
        addWarning(
          this.options.counters,
          `name is not valid UTF-8, skipped: ${dir.rel === '' ? name : `${dir.rel}/${name}`}`,
        );
      }
    } catch (error) {
      if (!isSourceProblem(error)) throw toEngineError(error, `listing ${dir.rel || '.'}`);
      addWarning(this.options.counters, `cannot list (${errnoOf(error)}): ${dir.rel || '.'}`);
      this.complete(dir);
      return;
    }
    if (dir.parent === null && filter?.markers) {
      // The folder itself holds a marker: the snapshot is its root directory alone.
      const marker = filter.markerAmong(dirents);
      if (marker !== undefined) {
        this.options.counters.excluded.byMarker++;
        addWarning(
          this.options.counters,
          `the folder holds the marker ${marker}: nothing in it is backed up`,
        );
        this.complete(dir);
        return;
      }
    }
    let nonDirs = 0;
    for (const d of dirents) if (!d.isDirectory()) nonDirs++;
    const batchSize = Math.max(1, Math.min(MAX_BATCH, Math.ceil(nonDirs / this.options.pool.size)));
    let batch: BatchEntry[] = [];
    for (const d of dirents) {
      this.check();
      const rel = dir.rel === '' ? d.name : `${dir.rel}/${d.name}`;
      if (await isDirectoryEntry(dir.source, d)) {
        if (filter?.excludesDirectory(rel)) {
          this.options.counters.excluded.byPattern++;
          continue;
        }
        if (batch.length > 0) await this.dispatch(dir, batch);
        batch = [];
        await this.enter(dir, d.name, rel);
      } else if (filter?.excludesFile(rel)) {
        this.options.counters.excluded.byPattern++;
      } else {
        const prev = this.options.previous ? await this.options.previous.cursor.seek(rel) : undefined;
        batch.push({ name: d.name, file: d.isFile(), prev: prev?.type === 'file' ? prev : null });
        if (batch.length >= batchSize) {
          await this.dispatch(dir, batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) await this.dispatch(dir, batch);
    this.complete(dir);
  }

  private async enter(parent: CopiedDirectory, name: string, rel: string): Promise<void> {
    const { counters } = this.options;
    await this.options.hooks?.beforeOpenDirectory?.(rel);
    const { profile } = this.options;
    let source: fsp.FileHandle;
    try {
      source = await timed(profile, 'walk', () => openChildDirectory(parent.source, name));
    } catch (error) {
      const code = errnoOf(error);
      if (!isSourceProblem(error)) throw toEngineError(error, `opening ${rel}`);
      counters.skipped++;
      addWarning(
        counters,
        code === 'ENOENT'
          ? `directory has vanished: ${rel}`
          : code === 'ELOOP' || code === 'ENOTDIR'
            ? `replaced during the backup, skipped: ${rel}`
            : `cannot read (${code}): ${rel}`,
      );
      return;
    }
    let dir: CopiedDirectory;
    let st: BigIntStats;
    try {
      st = await timed(profile, 'walk', () => source.stat({ bigint: true }));
      if (this.options.exclude?.some((x) => x.dev === st.dev && x.ino === st.ino)) {
        await source.close();
        addWarning(counters, `the backup folder lies inside the source, not copied: ${rel}`);
        return;
      }
    } catch (error) {
      await source.close();
      throw toEngineError(error, `examining ${rel}`);
    }
    // With markers, the directory is listed before anything of it is written: one holding a
    // marker leaves no trace in the snapshot. The walk then uses this listing.
    let listed: DirectoryListing | undefined;
    if (this.options.filter?.markers) {
      listed = await timed(profile, 'walk', () => readSortedEntries(source)).catch(() => undefined);
      const marker = listed && this.options.filter.markerAmong(listed.entries);
      if (marker !== undefined) {
        await source.close();
        counters.excluded.byMarker++;
        return;
      }
    }
    try {
      this.track(source);
      const dest = this.track(await timed(profile, 'walk', () => createChildDirectory(parent.dest, name)));
      dir = copiedDirectory(parent, rel, source, true, dest, st);
    } catch (error) {
      if (!this.openHandles.has(source)) await source.close();
      throw toEngineError(error, `creating ${rel}`);
    }
    this.emitDir(rel, st);
    await this.walk(dir, listed);
  }

  /** Hands a batch to the threads once a slot is free; its lines keep their place in the manifest. */
  private async dispatch(dir: CopiedDirectory, entries: BatchEntry[]): Promise<void> {
    const { counters, lines, previous, profile } = this.options;
    await timed(profile, 'wait', () => this.batchSlots.acquire());
    this.check();
    // Manifest text waiting for a slow disk must not pile up in memory.
    if (lines && lines.backlog > MAX_MANIFEST_BACKLOG)
      await timed(profile, 'manifest', () => lines.flushed());
    const seq = lines?.reserve() ?? 0;
    let partial = 0;
    dir.pending++;
    const task = this.options.pool.run(
      {
        kind: 'batch',
        srcDir: fdPath(dir.source.fd),
        destDir: fdPath(dir.dest.fd),
        relDir: dir.rel,
        prevDir: previous ? (dir.rel === '' ? previous.dir : `${previous.dir}/${dir.rel}`) : null,
        hash: this.options.hash,
        maxFileSize: this.options.filter?.maxFileSize ?? null,
        profile: profile !== undefined,
        entries,
      },
      this.options.cancel,
      (bytes) => {
        partial += bytes;
        counters.partialBytes += bytes;
        this.options.onChange();
      },
    );
    const settled = task
      .then((result) => {
        counters.partialBytes -= partial;
        addTally(counters, result);
        if (profile && result.profile) addProfile(profile, result.profile);
        lines?.fill(seq, result.lines.length > 0 ? `${result.lines.join('\n')}\n` : '');
        this.options.onChange();
        this.complete(dir);
      })
      .catch((error: unknown) => {
        counters.partialBytes -= partial;
        this.fail(error);
      })
      .finally(() => {
        this.batchSlots.release();
        this.inFlight.delete(settled);
      });
    this.inFlight.add(settled);
  }

  /** One piece of work inside `dir` is done; after the last, its attributes are set. */
  private complete(dir: CopiedDirectory): void {
    if (!completePiece(dir)) return;
    this.openHandles.delete(dir.dest);
    if (dir.ownsSource) this.openHandles.delete(dir.source);
    const finished = timed(this.options.profile, 'walk', () =>
      finishDirectory(dir, this.failure === undefined),
    )
      .then(() => {
        if (dir.parent) this.complete(dir.parent);
        else this.resolveDone();
      })
      .catch((error: unknown) => this.fail(error));
    const tracked = finished.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
