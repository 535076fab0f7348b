import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError, errnoOf, toEngineError } from './errors.js';
import { DIR_FLAGS, fdPath } from './fd-path.js';

/** Symlinks followed (and swaps seen) in one walk before it gives up, as the kernel does (ELOOP). */
const MAX_SYMLINKS = 40;

/** A folder of the source, open; closing it closes the directories walked through too. */
export interface SourceDirectory {
  handle: fsp.FileHandle;
  close(): Promise<void>;
}

/**
 * Opens `folder` below `sourceRoot` with a BeneathWalk: a symlink anywhere in it is followed only
 * while it stays inside the root. The folder was checked by the caller (validateFolder).
 */
export async function resolveSourceDirectory(sourceRoot: string, folder: string): Promise<SourceDirectory> {
  const missing = () => new EngineError('NO_SUCH_DIRECTORY', `No such directory: ${folder}`);
  const walk = await BeneathWalk.start(sourceRoot, {
    missing,
    notADirectory: () => new EngineError('NOT_A_DIRECTORY', `Not a directory: ${folder}`),
    outside: () => new EngineError('OUTSIDE_SOURCE_ROOT', `Outside the source root: ${folder}`),
    // No directory can have a name the filesystem refuses.
    tooLong: missing,
    doing: `resolving ${folder}`,
  });
  try {
    await walk.descend(folder.split('/'));
  } catch (error) {
    await walk.close();
    throw error;
  }
  return { handle: walk.current, close: () => walk.close() };
}

/** The real path of a root folder; a missing root is reported as an I/O error (configuration). */
export async function realRoot(
  root: string,
  label: 'the source root' | 'the backup folder',
): Promise<string> {
  try {
    return await fsp.realpath(root);
  } catch (error) {
    throw toEngineError(error, `resolving ${label}`);
  }
}

/** What a walk answers when it cannot go on; each names the path as the caller was given it. */
export interface WalkErrors {
  missing: () => EngineError;
  notADirectory: () => EngineError;
  outside: () => EngineError;
  /** A name longer than the filesystem allows (ENAMETOOLONG). */
  tooLong: () => EngineError;
  /** What the walk is doing, relative to the root, for an unexpected I/O error. */
  doing: string;
}

/** A directory this walk created, to be removed again if what it was made for fails. */
interface CreatedDirectory {
  parent: fsp.FileHandle;
  name: string;
}

/**
 * Walks down from the source root one component at a time, each directory opened relative to its
 * parent's descriptor with O_NOFOLLOW, so nothing renamed or swapped meanwhile can redirect it. The
 * kernel never follows a symlink here: the walk reads a symlink's text and resolves it itself, and
 * a symlink that would lead out of the root (an absolute target elsewhere, or ".." above the root)
 * fails `outside` at once, without anything outside being looked at: whether a path outside exists
 * cannot be learnt through it.
 */
export class BeneathWalk {
  /** Every directory opened, the root first, all closed by close(). */
  private readonly opened: fsp.FileHandle[];
  private readonly stack: fsp.FileHandle[];
  private readonly created: CreatedDirectory[] = [];
  private symlinks = 0;

  private constructor(
    root: fsp.FileHandle,
    /** Absolute names of the root (its real path, and the path it was configured as). */
    private readonly rootNames: string[],
    private readonly errors: WalkErrors,
  ) {
    this.opened = [root];
    this.stack = [root];
  }

  static async start(sourceRoot: string, errors: WalkErrors): Promise<BeneathWalk> {
    const real = await realRoot(sourceRoot, 'the source root');
    const handle = await fsp.open(real, DIR_FLAGS).catch((error: unknown) => {
      throw toEngineError(error, 'opening the source root');
    });
    return new BeneathWalk(handle, [...new Set([real, path.resolve(sourceRoot)])], errors);
  }

  /** The directory the walk has reached. */
  get current(): fsp.FileHandle {
    return this.stack[this.stack.length - 1]!;
  }

  /**
   * Goes down `segments` from where the walk is. With `create`, a missing directory is made (and
   * remembered for removeCreated); without, it fails `missing`.
   */
  async descend(segments: string[], create = false): Promise<void> {
    const queue = [...segments];
    for (let segment = queue.shift(); segment !== undefined; segment = queue.shift()) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        if (this.stack.length === 1) throw this.errors.outside();
        this.stack.pop();
        continue;
      }
      const at = fdPath(this.current.fd, segment);
      let st: Awaited<ReturnType<typeof fsp.lstat>>;
      try {
        st = await fsp.lstat(at);
      } catch (error) {
        const code = errnoOf(error);
        if (code === 'ENOENT' && create) {
          await this.makeDirectory(segment);
          queue.unshift(segment);
          continue;
        }
        throw this.failure(error);
      }
      if (st.isSymbolicLink()) {
        queue.unshift(...(await this.symlinkSegments(at)));
        continue;
      }
      if (!st.isDirectory()) throw this.errors.notADirectory();
      const handle = await fsp.open(at, DIR_FLAGS).catch((error: unknown) => {
        // Swapped for a symlink or a file since the lstat: look again.
        if (errnoOf(error) === 'ELOOP' || errnoOf(error) === 'ENOTDIR') return null;
        throw this.failure(error);
      });
      if (handle === null) {
        if (++this.symlinks > MAX_SYMLINKS) throw this.errors.missing();
        queue.unshift(segment);
        continue;
      }
      this.opened.push(handle);
      this.stack.push(handle);
    }
  }

  /** Whether `name` exists in the current directory (as anything, a symlink not followed). */
  async has(name: string): Promise<boolean> {
    try {
      await fsp.lstat(fdPath(this.current.fd, name));
      return true;
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return false;
      throw this.failure(error);
    }
  }

  /** Removes the directories this walk created, newest first, as long as they are still empty. */
  async removeCreated(): Promise<void> {
    for (const { parent, name } of this.created.reverse()) {
      await fsp.rmdir(fdPath(parent.fd, name)).catch(() => {});
    }
    this.created.length = 0;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.opened.map((handle) => handle.close()));
  }

  private async makeDirectory(name: string): Promise<void> {
    try {
      await fsp.mkdir(fdPath(this.current.fd, name));
      this.created.push({ parent: this.current, name });
    } catch (error) {
      // Made by someone else meanwhile: the caller looks again.
      if (errnoOf(error) !== 'EEXIST') throw this.failure(error);
    }
  }

  /** The segments a symlink stands for, to be walked from the current directory. */
  private async symlinkSegments(at: string): Promise<string[]> {
    if (++this.symlinks > MAX_SYMLINKS) throw this.errors.missing();
    const target = await fsp.readlink(at).catch((error: unknown) => {
      throw this.failure(error);
    });
    if (!target.startsWith('/')) return target.split('/');
    const inside = this.belowRoot(target);
    if (inside === null) throw this.errors.outside();
    this.stack.length = 1;
    return inside;
  }

  /** The segments of an absolute path below the root, or null when it does not start at the root. */
  private belowRoot(target: string): string[] | null {
    const parts = target.split('/').filter((part) => part !== '' && part !== '.');
    for (const name of this.rootNames) {
      const rootParts = name.split('/').filter(Boolean);
      if (rootParts.every((part, i) => parts[i] === part)) return parts.slice(rootParts.length);
    }
    return null;
  }

  private failure(error: unknown): unknown {
    const code = errnoOf(error);
    if (code === 'ENOENT') return this.errors.missing();
    if (code === 'ENOTDIR') return this.errors.notADirectory();
    if (code === 'ENAMETOOLONG') return this.errors.tooLong();
    return toEngineError(error, this.errors.doing);
  }
}
