import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { isAbsolute } from 'node:path';
import { createChildDirectory, openChildDirectory, readSortedEntries } from '../anchored-dir.js';
import { errnoOf, toEngineError } from '../errors.js';
import { DIR_FLAGS, fdPath } from '../fd-path.js';
import {
  checkObjectName,
  checkObjectPrefix,
  checkRange,
  isObjectName,
  type ObjectEntry,
  ObjectNotFoundError,
  type ObjectStore,
  type PutIfAbsentResult,
  repositoryUnavailable,
} from './object-store.js';

// Reading never follows a symlink in the object's place, nor blocks on a FIFO put there.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
// A temporary file is always new: never an existing file, nor a symlink's target.
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
// Where a name's directory, or the object itself, is missing or is not what it should be (a
// symlink is never followed: ELOOP), there is no object by that name.
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

/**
 * The `file://` store: each object is a file under the root directory, at its name's path
 * (`data/3f/3f…`). Every path is walked one directory at a time from the root's descriptor without
 * following symlinks (O_NOFOLLOW), so nothing is read or written outside the root, whatever is
 * renamed or swapped for a symlink under it. Files are written under a temporary name beginning
 * with `.` (never an object name), synced, then moved into place, and the directory is synced.
 */
export class FileStore implements ObjectStore {
  private constructor(
    private readonly root: fsp.FileHandle,
    private readonly rootPath: string,
  ) {}

  /**
   * Opens the store at `root`, an absolute path to an existing directory (itself not a symlink).
   * @throws EngineError REPOSITORY_UNAVAILABLE when it cannot be opened.
   */
  static async open(root: string): Promise<FileStore> {
    if (!isAbsolute(root)) throw new RangeError(`A file store's root must be an absolute path: got ${root}`);
    try {
      return new FileStore(await fsp.open(root, DIR_FLAGS), root);
    } catch (error) {
      // The message reaches clients: it names no path of the server (see docs/engine.md).
      throw repositoryUnavailable(`cannot open the repository's directory (${errnoOf(error) ?? 'error'})`, {
        transient: false,
        cause: error,
      });
    }
  }

  /** Closes the root's descriptor; the store is not used after. */
  close(): Promise<void> {
    return this.root.close();
  }

  toString(): string {
    return `file://${this.rootPath}`;
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    checkObjectName(name);
    await this.#write(name, bytes, async (dir, temp, leaf) => {
      await fsp.rename(fdPath(dir.fd, temp), fdPath(dir.fd, leaf));
      return 'written';
    });
  }

  /**
   * link(2) is the exclusive create: it gives the complete, synced temporary file a second name
   * and fails with EEXIST when that name exists, atomically, so of racing writers exactly one
   * succeeds and no reader ever sees a partly written object (rename would replace the winner;
   * O_EXCL on the final name would show it empty while it is written).
   */
  async putIfAbsent(name: string, bytes: Uint8Array): Promise<PutIfAbsentResult> {
    checkObjectName(name);
    return this.#write(name, bytes, async (dir, temp, leaf) => {
      try {
        await fsp.link(fdPath(dir.fd, temp), fdPath(dir.fd, leaf));
        return 'written';
      } catch (error) {
        if (errnoOf(error) === 'EEXIST') return 'exists';
        throw error;
      } finally {
        await fsp.unlink(fdPath(dir.fd, temp));
      }
    });
  }

  async get(name: string): Promise<Buffer> {
    checkObjectName(name);
    return this.#read(name, (file) => file.readFile());
  }

  async getRange(name: string, offset: number, length: number): Promise<Buffer> {
    checkObjectName(name);
    checkRange(offset, length);
    return this.#read(name, async (file) => {
      const buffer = Buffer.alloc(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await file.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    });
  }

  async head(name: string): Promise<number | undefined> {
    checkObjectName(name);
    try {
      const { dir, leaf } = await this.#openParent(name, false);
      try {
        const stats = await fsp.lstat(fdPath(dir.fd, leaf));
        return stats.isFile() ? stats.size : undefined;
      } finally {
        await dir.close();
      }
    } catch (error) {
      if (ABSENT.has(errnoOf(error) ?? '')) return undefined;
      throw toEngineError(error, `looking at object ${name}`);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    checkObjectPrefix(prefix);
    // Walk only the directories the prefix can reach: `data/3f` walks data/, then data/3f*.
    yield* this.#walk(this.root, '', prefix, false);
  }

  async delete(name: string): Promise<void> {
    checkObjectName(name);
    try {
      const { dir, leaf } = await this.#openParent(name, false);
      try {
        await fsp.unlink(fdPath(dir.fd, leaf));
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      if (ABSENT.has(errnoOf(error) ?? '')) return;
      throw toEngineError(error, `deleting object ${name}`);
    }
  }

  async *#walk(dir: fsp.FileHandle, path: string, prefix: string, own: boolean): AsyncIterable<ObjectEntry> {
    try {
      const { entries } = await readSortedEntries(dir);
      for (const entry of entries) {
        const name = path + entry.name;
        // Temporary files (".tmp-…") and anything else put there that no object is named.
        if (!isObjectName(name)) continue;
        if (entry.isFile()) {
          if (!name.startsWith(prefix)) continue;
          const stats = await fsp.lstat(fdPath(dir.fd, entry.name)).catch(() => undefined);
          if (stats?.isFile()) yield { name, size: stats.size };
        } else if (entry.isDirectory()) {
          const below = `${name}/`;
          if (!below.startsWith(prefix) && !prefix.startsWith(below)) continue;
          const child = await openChildDirectory(dir, entry.name).catch(() => undefined);
          if (child !== undefined) yield* this.#walk(child, below, prefix, true);
        }
        // Symlinks and anything else are not objects, and are never followed.
      }
    } finally {
      if (own) await dir.close();
    }
  }

  async #read(name: string, read: (file: fsp.FileHandle) => Promise<Buffer>): Promise<Buffer> {
    let file: fsp.FileHandle;
    try {
      const { dir, leaf } = await this.#openParent(name, false);
      try {
        file = await fsp.open(fdPath(dir.fd, leaf), READ_FLAGS);
      } finally {
        await dir.close();
      }
    } catch (error) {
      if (ABSENT.has(errnoOf(error) ?? '')) throw new ObjectNotFoundError(name);
      throw toEngineError(error, `opening object ${name}`);
    }
    try {
      if (!(await file.stat()).isFile()) throw new ObjectNotFoundError(name);
      return await read(file);
    } catch (error) {
      throw toEngineError(error, `reading object ${name}`);
    } finally {
      await file.close();
    }
  }

  async #write(
    name: string,
    bytes: Uint8Array,
    commit: (dir: fsp.FileHandle, temp: string, leaf: string) => Promise<PutIfAbsentResult>,
  ): Promise<PutIfAbsentResult> {
    try {
      const { dir, leaf } = await this.#openParent(name, true);
      try {
        const temp = `.tmp-${randomBytes(12).toString('hex')}`;
        const file = await fsp.open(fdPath(dir.fd, temp), TEMP_FLAGS, 0o600);
        try {
          await file.writeFile(bytes);
          await file.sync();
        } catch (error) {
          await file.close();
          await fsp.unlink(fdPath(dir.fd, temp));
          throw error;
        }
        await file.close();
        const result = await commit(dir, temp, leaf);
        await dir.sync();
        return result;
      } finally {
        await dir.close();
      }
    } catch (error) {
      throw toEngineError(error, `writing object ${name}`);
    }
  }

  /**
   * The directory holding `name`'s file, open, reached from the root one directory at a time
   * without following symlinks; with `create`, the missing ones are created (and their parents
   * synced, so that a synced object's directory entry is durable too).
   */
  async #openParent(name: string, create: boolean): Promise<{ dir: fsp.FileHandle; leaf: string }> {
    const segments = name.split('/');
    const leaf = segments.pop()!;
    // The root itself, reopened through its descriptor (the kernel's link to it, which is followed
    // on purpose: it is the directory opened in open()), so that each caller may close its own.
    let dir = await fsp.open(fdPath(this.root.fd), constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      for (const segment of segments) {
        let child: fsp.FileHandle;
        try {
          child = await openChildDirectory(dir, segment);
        } catch (error) {
          if (!create || errnoOf(error) !== 'ENOENT') throw error;
          child = await createChildDirectory(dir, segment).catch(async (mkdirError: unknown) => {
            // Another writer created it first.
            if (errnoOf(mkdirError) === 'EEXIST') return openChildDirectory(dir, segment);
            throw mkdirError;
          });
          await dir.sync();
        }
        await dir.close();
        dir = child;
      }
      return { dir, leaf };
    } catch (error) {
      await dir.close();
      throw error;
    }
  }
}
