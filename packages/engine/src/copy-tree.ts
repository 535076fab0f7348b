import { constants, type Dirent, promises as fsp } from 'node:fs';
import { errnoOf, toEngineError } from './errors.js';
import type { ManifestCursor, ManifestEntry, OrderedLines } from './manifest.js';
import { compareNames } from './paths.js';
import { Cancelled, type CancelToken, type WorkerPool } from './pool.js';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const MAX_BATCH = 64;
const MAX_MANIFEST_BACKLOG = 8 * 1024 * 1024;
export const MAX_WARNINGS = 100;

/** What a copy tallies, for a batch of files and for a whole backup alike. */
export interface CopyTally {
  /** Regular files and symlinks. */
  files: number;
  /** Bytes of the regular files. */
  bytes: number;
  copiedFiles: number;
  copiedBytes: number;
  /** Files hard-linked from the previous snapshot because they had not changed. */
  linkedFiles: number;
  /** Sockets, FIFOs and devices, and entries that vanished or could not be read. */
  skipped: number;
  /** The first 100 warnings (vanished, changed or unreadable files), then a count of the rest. */
  warnings: string[];
}

/** Running totals of one copy; BackupResult is made from them. */
export interface CopyCounters extends CopyTally {
  warningCount: number;
  /** Bytes of files still being copied, reported by the threads as they go. */
  partialBytes: number;
}

export function newCounters(): CopyCounters {
  return {
    files: 0,
    bytes: 0,
    copiedFiles: 0,
    copiedBytes: 0,
    linkedFiles: 0,
    skipped: 0,
    warnings: [],
    warningCount: 0,
    partialBytes: 0,
  };
}

export function addWarning(counters: CopyCounters, warning: string): void {
  counters.warningCount++;
  if (counters.warnings.length < MAX_WARNINGS) counters.warnings.push(warning);
}

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
}

interface DirNode {
  rel: string;
  handle: fsp.FileHandle;
  owned: boolean;
  /** The destination directory, held open so deep trees never need a path longer than PATH_MAX. */
  destHandle: fsp.FileHandle;
  mode: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  parent: DirNode | null;
  pending: number;
}

interface BatchEntry {
  name: string;
  /** readdir said it is a regular file: the thread may open it without an lstat first. */
  file: boolean;
  prev: ManifestEntry | null;
}

interface BatchResult extends CopyTally {
  lines: string[];
}

/**
 * Copies a directory tree depth-first in name order. Directories are listed and opened here
 * (never through a symlink: each is opened relative to its parent's descriptor with O_NOFOLLOW);
 * files and symlinks go in batches to the worker threads, at most a few batches per thread at a
 * time, so memory stays bounded by the largest single directory.
 */
export async function copyTree(options: CopyTreeOptions): Promise<void> {
  await new TreeCopier(options).run();
}

class TreeCopier {
  private failure: unknown;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly openHandles = new Set<fsp.FileHandle>();
  private readonly maxInFlight: number;
  private batchesInFlight = 0;
  private slotWaiters: (() => void)[] = [];
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly o: CopyTreeOptions) {
    this.maxInFlight = o.pool.size * 2;
  }

  async run(): Promise<void> {
    const { o } = this;
    const abort = () => {
      this.fail(o.signal?.reason ?? new Error('aborted'));
    };
    o.signal?.addEventListener('abort', abort, { once: true });
    try {
      if (o.signal?.aborted) throw o.signal.reason;
      const st = await o.source.stat({ bigint: true });
      await fsp.mkdir(o.dest, { mode: 0o700 });
      const destHandle = await fsp.open(o.dest, DIR_FLAGS);
      this.openHandles.add(destHandle);
      const root = this.node(null, '', o.source, false, destHandle, st);
      this.emitDir(root);
      await this.walk(root);
      await Promise.all(this.inFlight);
      if (this.failure === undefined) await this.done;
    } catch (error) {
      this.fail(error);
    } finally {
      o.signal?.removeEventListener('abort', abort);
      while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight);
      await Promise.allSettled([...this.openHandles].map((h) => h.close()));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private node(
    parent: DirNode | null,
    rel: string,
    handle: fsp.FileHandle,
    owned: boolean,
    destHandle: fsp.FileHandle,
    st: { mode: bigint; atimeNs: bigint; mtimeNs: bigint },
  ): DirNode {
    if (parent) parent.pending++;
    return {
      rel,
      handle,
      owned,
      destHandle,
      mode: Number(st.mode & 0o7777n),
      atimeNs: st.atimeNs,
      mtimeNs: st.mtimeNs,
      parent,
      pending: 1,
    };
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error instanceof Cancelled ? (this.o.signal?.reason ?? error) : error;
    this.o.cancel.cancel();
    this.wakeSlots();
    this.resolveDone();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private emitDir(node: DirNode): void {
    const { lines } = this.o;
    if (!lines) return;
    const entry: ManifestEntry = {
      path: node.rel,
      type: 'dir',
      size: 0,
      mode: node.mode,
      mtime: keptNs(node.mtimeNs),
    };
    lines.fill(lines.reserve(), `${JSON.stringify(entry)}\n`);
  }

  private async walk(node: DirNode): Promise<void> {
    let dirents: Dirent[];
    try {
      dirents = await fsp.readdir(anchor(node), { withFileTypes: true });
    } catch (error) {
      if (!isSourceProblem(error)) throw toEngineError(error, `listing ${node.rel || '.'}`);
      addWarning(this.o.counters, `cannot list (${errnoOf(error)}): ${node.rel || '.'}`);
      this.release(node);
      return;
    }
    dirents.sort((a, b) => compareNames(a.name, b.name));
    let nonDirs = 0;
    for (const d of dirents) if (!d.isDirectory()) nonDirs++;
    const batchSize = Math.max(1, Math.min(MAX_BATCH, Math.ceil(nonDirs / this.o.pool.size)));
    let batch: BatchEntry[] = [];
    for (const d of dirents) {
      this.check();
      // readdir never returns these, but the copy must never leave its directory.
      if (
        d.name === '' ||
        d.name === '.' ||
        d.name === '..' ||
        d.name.includes('/') ||
        d.name.includes('\0')
      ) {
        continue;
      }
      const rel = node.rel === '' ? d.name : `${node.rel}/${d.name}`;
      if (d.isDirectory() || (isUnknown(d) && (await this.isDirectory(node, d.name)))) {
        if (batch.length > 0) await this.dispatch(node, batch);
        batch = [];
        await this.enter(node, d.name, rel);
      } else {
        const prev = this.o.previous ? await this.o.previous.cursor.seek(rel) : undefined;
        batch.push({ name: d.name, file: d.isFile(), prev: prev?.type === 'file' ? prev : null });
        if (batch.length >= batchSize) {
          await this.dispatch(node, batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) await this.dispatch(node, batch);
    this.release(node);
  }

  private async isDirectory(node: DirNode, name: string): Promise<boolean> {
    try {
      return (await fsp.lstat(`${anchor(node)}/${name}`)).isDirectory();
    } catch {
      return false;
    }
  }

  private async enter(parent: DirNode, name: string, rel: string): Promise<void> {
    await this.o.hooks?.beforeOpenDirectory?.(rel);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(`${anchor(parent)}/${name}`, DIR_FLAGS);
    } catch (error) {
      const code = errnoOf(error);
      if (!isSourceProblem(error)) throw toEngineError(error, `opening ${rel}`);
      this.o.counters.skipped++;
      addWarning(
        this.o.counters,
        code === 'ENOENT'
          ? `directory has vanished: ${rel}`
          : code === 'ELOOP' || code === 'ENOTDIR'
            ? `replaced during the backup, skipped: ${rel}`
            : `cannot read (${code}): ${rel}`,
      );
      return;
    }
    let node: DirNode;
    try {
      const st = await handle.stat({ bigint: true });
      if (this.o.exclude?.some((x) => x.dev === st.dev && x.ino === st.ino)) {
        await handle.close();
        addWarning(this.o.counters, `the backup folder lies inside the source, not copied: ${rel}`);
        return;
      }
      const dest = `${destAnchor(parent)}/${name}`;
      await fsp.mkdir(dest, { mode: 0o700 });
      const destHandle = await fsp.open(dest, DIR_FLAGS);
      this.openHandles.add(handle);
      this.openHandles.add(destHandle);
      node = this.node(parent, rel, handle, true, destHandle, st);
    } catch (error) {
      if (!this.openHandles.has(handle)) await handle.close();
      throw toEngineError(error, `creating ${rel}`);
    }
    this.emitDir(node);
    await this.walk(node);
  }

  private async dispatch(node: DirNode, entries: BatchEntry[]): Promise<void> {
    while (this.batchesInFlight >= this.maxInFlight && this.failure === undefined) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.check();
    const { counters, lines } = this.o;
    // Manifest text waiting for a slow disk must not pile up in memory.
    if (lines && lines.backlog > MAX_MANIFEST_BACKLOG) await lines.flushed();
    const seq = lines?.reserve() ?? 0;
    let partial = 0;
    node.pending++;
    const task = {
      kind: 'batch',
      srcDir: anchor(node),
      destDir: destAnchor(node),
      relDir: node.rel,
      prevDir: this.o.previous ? joinDir(this.o.previous.dir, node.rel) : null,
      hash: this.o.hash,
      entries,
    };
    this.batchesInFlight++;
    const promise = this.o.pool
      .run<BatchResult>(task, this.o.cancel, (bytes) => {
        partial += bytes;
        counters.partialBytes += bytes;
        this.o.onChange();
      })
      .then((r) => {
        counters.partialBytes -= partial;
        counters.files += r.files;
        counters.bytes += r.bytes;
        counters.copiedFiles += r.copiedFiles;
        counters.copiedBytes += r.copiedBytes;
        counters.linkedFiles += r.linkedFiles;
        counters.skipped += r.skipped;
        for (const w of r.warnings) addWarning(counters, w);
        lines?.fill(seq, r.lines.length > 0 ? `${r.lines.join('\n')}\n` : '');
        this.o.onChange();
        this.release(node);
      })
      .catch((error: unknown) => {
        counters.partialBytes -= partial;
        this.fail(error);
      })
      .finally(() => {
        this.batchesInFlight--;
        this.inFlight.delete(promise);
        this.wakeSlots();
      });
    this.inFlight.add(promise);
  }

  private wakeSlots(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const w of waiters) w();
  }

  /** One piece of a directory's work is done; once all are, its mode and mtime are set. */
  private release(node: DirNode): void {
    if (--node.pending > 0) return;
    const finish = this.finalize(node).catch((error: unknown) => this.fail(error));
    const tracked = finish.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async finalize(node: DirNode): Promise<void> {
    try {
      if (this.failure !== undefined) return;
      await fsp.chmod(destAnchor(node), node.mode);
      await fsp.utimes(destAnchor(node), utimeSeconds(node.atimeNs), utimeSeconds(node.mtimeNs));
    } catch (error) {
      throw toEngineError(error, `setting attributes of ${node.rel || '.'}`);
    } finally {
      this.openHandles.delete(node.destHandle);
      await node.destHandle.close();
      if (node.owned) {
        this.openHandles.delete(node.handle);
        await node.handle.close();
      }
    }
    if (node.parent) this.release(node.parent);
    else this.resolveDone();
  }
}

function isUnknown(d: Dirent): boolean {
  return !(
    d.isFile() ||
    d.isDirectory() ||
    d.isSymbolicLink() ||
    d.isFIFO() ||
    d.isSocket() ||
    d.isBlockDevice() ||
    d.isCharacterDevice()
  );
}

function isSourceProblem(error: unknown): boolean {
  const code = errnoOf(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EACCES' || code === 'EPERM';
}

const PROC_FD = '/proc/self/fd';

/** A path that reaches the open directory itself, whatever was renamed or swapped since. */
function anchor(node: DirNode): string {
  return `${PROC_FD}/${node.handle.fd}`;
}

function destAnchor(node: DirNode): string {
  return `${PROC_FD}/${node.destHandle.fd}`;
}

function joinDir(root: string, rel: string): string {
  return rel === '' ? root : `${root}/${rel}`;
}

/** Modification times are kept to the microsecond: what Node's utimes can set. */
export function keptNs(ns: bigint): string {
  return String((ns / 1000n) * 1000n);
}

/** Seconds for utimes that land exactly on the kept microsecond despite float rounding. */
export function utimeSeconds(ns: bigint): number {
  const us = ns / 1000n;
  return Number(us / 1_000_000n) + (Number(us % 1_000_000n) + 0.5) / 1e6;
}
