import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { EngineError, toEngineError } from '../errors.js';
import { noneExcluded } from '../filter.js';
import { removeTree } from '../remove-tree.js';
import type {
  BackupRequest,
  BackupResult,
  ContentChange,
  ContentEntry,
  ReadRequest,
  Repository,
  RestoreRequest,
  RestoreResult,
  RetentionPolicy,
  RetentionResult,
  SnapshotEntry,
  SnapshotFile,
  VerifyResult,
} from '../repository/repository.js';
import { checkRestoreRequest, restoreTree } from '../restore.js';
import { selectKept } from '../retention.js';
import { assertValidFolder } from '../validate-folder.js';
import type { BlobIndex } from './blob-index.js';
import { decodeConfig, encodeConfig, newConfig, type RepositoryConfig } from './config.js';
import { FileStore } from './file-store.js';
import {
  createMasterKeys,
  type MasterKeys,
  newKeyId,
  openMasterKeys,
  sealMasterKeys,
} from './master-keys.js';
import { MemoryBlobIndex } from './memory-blob-index.js';
import { backupInto, resultOf } from './object-backup.js';
import { type CheckOptions, type CheckReport, checkRepository } from './object-check.js';
import {
  contentEntry,
  diffTrees,
  directoryEntries,
  openObjectFile,
  type SnapshotRoot,
} from './object-contents.js';
import { type CatchUpCounts, PackedBlobs } from './object-index.js';
import { markReferenced, packsOutside } from './object-mark.js';
import { type PruneCatalog, type PruneOptions, type PruneReport, pruneOpen } from './object-prune.js';
import { readSnapshotTree } from './object-read.js';
import { type ObjectEntry, ObjectNotFoundError, type ObjectStore } from './object-store.js';
import type { OpenRepository } from './open-repository.js';
import { openSnapshot, type SnapshotObject, snapshotPath } from './snapshot-object.js';

export interface ObjectRepositoryOptions {
  /** Opens the repository's key; a new repository's key is sealed under it. */
  password: string;
  /** Pack target size. @defaultValue PACK_TARGET_SIZE */
  packTarget?: number;
  /** scrypt cost of a new key. @defaultValue SCRYPT */
  scrypt?: { N: number; r: number; p: number };
  /**
   * The blob index of the repository whose config id is given (the catalog's, so that no process
   * lists the bucket when it opens the repository).
   * @defaultValue an index in memory, filled from every pack's header when the repository is opened
   */
  index?: (repositoryId: string) => BlobIndex;
}

/** A snapshot object as the catalog records it. */
export interface SnapshotRecord {
  /** The backup job that made it, and its name. */
  jobId: string;
  folder: string;
  /** When the backup read the folder. */
  time: Date;
  /** What the backup answered; for a snapshot that records none, its totals with nothing copied. */
  result: BackupResult;
}

const isJobId = (name: string) => z.uuid().safeParse(name).success;

/**
 * Snapshots as objects in an ObjectStore, in the format of docs/repository.md. A snapshot's name
 * is the job id of the backup that made it (`snapshots/<job id>`). The blob index is the one given
 * (the catalog's), or else read from the pack headers when the repository is opened and kept in
 * memory.
 */
export class ObjectRepository implements Repository {
  #opened: Promise<OpenRepository> | undefined;

  constructor(
    readonly store: ObjectStore,
    private readonly options: ObjectRepositoryOptions,
  ) {}

  async open(): Promise<void> {
    await this.opened();
  }

  async backup(folder: string, request: BackupRequest): Promise<BackupResult> {
    assertValidFolder(folder);
    // The snapshot is named by it: checked before anything is read or written.
    if (!isJobId(request.jobId))
      throw new RangeError(`a job id is a UUID: got ${JSON.stringify(request.jobId)}`);
    const repo = await this.opened();
    const existing = await this.snapshotObject(request.jobId);
    const adopted = existing && existing.folder === folder ? resultOf(existing) : null;
    if (adopted) return adopted;
    return backupInto(repo, folder, request, await this.parentOf(repo, folder, request.previous));
  }

  async verify(snapshot: string, options: ReadRequest = {}): Promise<VerifyResult> {
    const started = performance.now();
    const repo = await this.opened();
    const object = await this.located(snapshot);
    const totals = await readSnapshotTree(repo, object, { ...options, write: null });
    return { ...totals, durationMs: Math.round(performance.now() - started) };
  }

  /**
   * Decodes the snapshot (or the path asked for) into a private directory first, every blob
   * authenticated before its bytes are written there, then hands it to the restore the local tree
   * uses, which applies the same target rules and places it without overwriting.
   */
  async restore(snapshot: string, options: RestoreRequest): Promise<RestoreResult> {
    checkRestoreRequest(snapshot, options);
    const repo = await this.opened();
    const object = await this.located(snapshot);
    const scratch = await fsp.mkdtemp(path.join(tmpdir(), 'strongbox-restore-'));
    try {
      const dir = path.join(scratch, 'tree');
      const selected = options.path ? options.path.split('/') : [];
      await readSnapshotTree(repo, object, { signal: options.signal, write: dir, selected });
      return await restoreTree({ snapshot, dir }, options);
    } finally {
      await removeTree(scratch);
    }
  }

  async listSnapshots(folder: string): Promise<SnapshotEntry[]> {
    assertValidFolder(folder);
    const repo = await this.opened();
    return (await this.snapshotsOf(repo, folder)).map(({ object }) => entryOf(object));
  }

  async snapshotExists(snapshot: string): Promise<boolean> {
    await this.opened();
    if (!isJobId(snapshot)) return false;
    return (await this.store.head(snapshotPath(snapshot))) !== undefined;
  }

  /** Deletes the snapshot objects; the packs they alone referenced stay until a later maintenance. */
  async forget(folder: string, policy: RetentionPolicy): Promise<RetentionResult> {
    assertValidFolder(folder);
    const repo = await this.opened();
    const newestFirst = (await this.snapshotsOf(repo, folder)).map(({ object }) => entryOf(object)).reverse();
    const keep = selectKept(newestFirst, policy);
    const result: RetentionResult = { kept: [], pruned: [] };
    for (const s of newestFirst) {
      if (keep.has(s)) {
        result.kept.push(s.snapshot);
        continue;
      }
      await this.store.delete(snapshotPath(s.snapshot));
      result.pruned.push(s.snapshot);
    }
    return result;
  }

  /**
   * The packs that no snapshot references: those a backup stored before it stopped without
   * committing (a killed worker, an outage past the retries), and those that only forgotten
   * snapshots used. Read-only: it deletes nothing, and is the mark phase a prune reuses. It marks
   * every blob reachable from every snapshot's trees, then reads each pack's header and names the
   * packs that hold none of them (see docs/repository.md, "Failures"). A pack that a backup running
   * now has stored is in the answer too until that backup commits, so the answer is a count, not a
   * licence to delete. A snapshot whose trees cannot be read stops it with REPOSITORY_DAMAGED.
   */
  async unreferencedPacks(): Promise<ObjectEntry[]> {
    const repo = await this.opened();
    return packsOutside(repo, await markReferenced(repo, await this.allSnapshots(repo)));
  }

  /**
   * Checks the repository against the catalog given and itself, read-only (see checkRepository and
   * docs/repository.md, "Maintenance"): what it found, each finding naming the snapshots it affects.
   */
  async check(options: CheckOptions): Promise<CheckReport> {
    return checkRepository(await this.opened(), options);
  }

  /**
   * Prunes the repository: the engine's entry point of the `prune` job (docs/repository.md,
   * "Maintenance"). Deletes the packs an earlier prune condemned that are still unreferenced once
   * every backup that might use them has ended, condemns the packs no snapshot references, repacks
   * the packs mostly garbage, and takes back condemned packs that a snapshot references again. No
   * lock stops backups meanwhile: `catalog` (the MySQL catalog's, `pruneCatalog` in packages/db)
   * keeps condemned blobs from being offered to backups, and says which backups were running.
   * The mark holds two sets of 32-byte ids (about 64 bytes a blob), not strings, and the packs are
   * gone through a page at a time. Run one at a time per repository (the worker's lease).
   */
  async prune(catalog: PruneCatalog, options: PruneOptions = {}): Promise<PruneReport> {
    const repo = await this.opened();
    return pruneOpen(repo, () => this.allSnapshots(repo), catalog, options);
  }

  /** A backup leaves nothing to sweep here: it writes whole packs and commits with one object. */
  async sweep(folder: string): Promise<string[]> {
    assertValidFolder(folder);
    await this.opened();
    return [];
  }

  async listFolders(): Promise<string[]> {
    const repo = await this.opened();
    return [...new Set((await this.allSnapshots(repo)).map((object) => object.folder))];
  }

  async listDirectory(snapshot: string, path: string): Promise<ContentEntry[]> {
    const repo = await this.opened();
    return (await directoryEntries(repo.blobs.reader(), await this.rootOf(snapshot), path)).map(contentEntry);
  }

  async readFile(snapshot: string, path: string): Promise<SnapshotFile> {
    const repo = await this.opened();
    return openObjectFile(repo.blobs.reader(), await this.rootOf(snapshot), path);
  }

  async *diff(from: string, to: string): AsyncIterable<ContentChange> {
    const repo = await this.opened();
    const [before, after] = [await this.rootOf(from), await this.rootOf(to)];
    yield* diffTrees(repo.blobs.reader(), before.tree, after.tree, '');
  }

  private async rootOf(snapshot: string): Promise<SnapshotRoot> {
    return { snapshot, tree: (await this.located(snapshot)).tree };
  }

  /** The repository's id (its config's): what keeps two repositories apart in one catalog. */
  async repositoryId(): Promise<string> {
    return (await this.opened()).id;
  }

  /** Records in the blob index every stored pack it lacks (docs/repository.md, "The catalog"). */
  async catchUp(): Promise<CatchUpCounts> {
    return (await this.opened()).blobs.catchUp();
  }

  /** The job ids of the snapshots the repository holds, as listed (in name order on both stores). */
  async *snapshotIds(): AsyncIterable<string> {
    await this.opened();
    for await (const { name } of this.store.list('snapshots/')) {
      const jobId = name.slice('snapshots/'.length);
      if (isJobId(jobId)) yield jobId;
    }
  }

  /** A snapshot as the catalog records it; null when it is gone (forgotten meanwhile). */
  async snapshotRecord(jobId: string): Promise<SnapshotRecord | null> {
    const object = await this.snapshotObject(jobId);
    if (!object) return null;
    const result = resultOf(object) ?? {
      snapshot: object.jobId,
      files: object.totals.files,
      bytes: object.totals.bytes,
      copiedFiles: 0,
      copiedBytes: 0,
      linkedFiles: object.totals.files,
      skipped: 0,
      warnings: [],
      durationMs: 0,
      excluded: noneExcluded(),
    };
    return { jobId: object.jobId, folder: object.folder, time: new Date(object.time), result };
  }

  private opened(): Promise<OpenRepository> {
    this.#opened ??= this.load().catch((error: unknown) => {
      this.#opened = undefined;
      throw error;
    });
    return this.#opened;
  }

  /**
   * Reads the config and opens a key with the password, and no more (no pack is read): whether
   * the repository is there, of this format, and opened by this password. What a readiness check
   * asks, often and cheaply.
   */
  async probe(): Promise<void> {
    await named(this.store, () => openKeys(this.store, this.options.password));
  }

  /**
   * Creates a repository in an empty store: its key object, then its config, written only if none
   * is there. Nothing opens a repository that was not created so (a mistyped prefix is
   * REPOSITORY_NOT_FOUND, never a second repository). Answers the new repository's id.
   * @throws EngineError REPOSITORY_EXISTS when the store holds a config or any object.
   */
  static async init(store: ObjectStore, options: ObjectRepositoryOptions): Promise<string> {
    if ((await store.head('config')) !== undefined) {
      throw new EngineError('REPOSITORY_EXISTS', `There is a repository at ${nameOf(store)} already`);
    }
    for await (const { name } of store.list('')) {
      throw new EngineError(
        'REPOSITORY_EXISTS',
        `${nameOf(store)} is not empty (it holds ${name}): a repository is created only where nothing is`,
      );
    }
    const config = newConfig();
    const keys = createMasterKeys(config.id);
    const keyId = newKeyId();
    const keyName = `keys/${keyId}`;
    const scrypt = options.scrypt;
    await store.put(keyName, await sealMasterKeys(keys, options.password, keyId, scrypt ? { scrypt } : {}));
    if ((await store.putIfAbsent('config', encodeConfig(config))) === 'exists') {
      // Another process created it first: ours is a key of no repository.
      await store.delete(keyName);
      throw new EngineError('REPOSITORY_EXISTS', `There is a repository at ${nameOf(store)} already`);
    }
    return config.id;
  }

  /** Opens the key, and takes the blob index given or fills one in memory from the pack headers. */
  private load(): Promise<OpenRepository> {
    return named(this.store, async () => {
      const { config, keys } = await openKeys(this.store, this.options.password);
      const index = this.options.index?.(config.id);
      const blobs = new PackedBlobs(this.store, keys, index ?? new MemoryBlobIndex());
      if (!index) await blobs.catchUp();
      return {
        id: config.id,
        store: this.store,
        keys,
        blobs,
        chunker: config.chunker,
        packTarget: this.options.packTarget,
      };
    });
  }

  /** The snapshot object of a name, or NO_SUCH_SNAPSHOT. */
  private async located(snapshot: string): Promise<SnapshotObject> {
    const object = isJobId(snapshot) ? await this.snapshotObject(snapshot) : null;
    if (!object) throw new EngineError('NO_SUCH_SNAPSHOT', `No such snapshot: ${snapshot}`);
    return object;
  }

  private async snapshotObject(jobId: string): Promise<SnapshotObject | null> {
    const { keys } = await this.opened();
    if (!isJobId(jobId)) return null;
    const sealed = await this.store.get(snapshotPath(jobId)).catch(orNull);
    return sealed && openSnapshot(keys.data, jobId, sealed);
  }

  /**
   * Every snapshot, each authenticated; one that fails is REPOSITORY_DAMAGED naming it, unless
   * `skipDamaged` (only where leaving it out is always safe: never for listing, retention or marking).
   */
  private async allSnapshots(repo: OpenRepository, { skipDamaged = false } = {}): Promise<SnapshotObject[]> {
    const objects: SnapshotObject[] = [];
    for await (const { name } of this.store.list('snapshots/')) {
      const jobId = name.slice('snapshots/'.length);
      const sealed = await this.store.get(name).catch(orNull);
      if (!sealed) continue;
      try {
        objects.push(openSnapshot(repo.keys.data, jobId, sealed));
      } catch (error) {
        if (!(skipDamaged && error instanceof EngineError && error.code === 'REPOSITORY_DAMAGED'))
          throw error;
      }
    }
    return objects;
  }

  /**
   * The snapshot a backup of `folder` takes unchanged files from: the catalog's `hint` when it is
   * this folder's and reads (one GET), else the newest of the folder's snapshots found by listing
   * them all (the bucket alone). A null hint is believed: the catalog knows the folder has none, and
   * a parent only spares reads, never decides what is stored. A snapshot object that fails
   * authentication may have been this folder's latest or not: the backup goes on without it,
   * reading every file, rather than letting one damaged object stop the backups of every folder.
   */
  private async parentOf(
    repo: OpenRepository,
    folder: string,
    hint: string | null | undefined,
  ): Promise<SnapshotObject | null> {
    if (hint === null) return null;
    if (hint !== undefined) {
      const hinted = await this.snapshotObject(hint).catch((error: unknown) => {
        if (error instanceof EngineError && error.code === 'REPOSITORY_DAMAGED') return null;
        throw error;
      });
      if (hinted?.folder === folder) return hinted;
    }
    return (await this.snapshotsOf(repo, folder, { skipDamaged: true })).at(-1)?.object ?? null;
  }

  /** The folder's snapshots, oldest first. */
  private async snapshotsOf(
    repo: OpenRepository,
    folder: string,
    options: { skipDamaged?: boolean } = {},
  ): Promise<{ object: SnapshotObject }[]> {
    return (await this.allSnapshots(repo, options))
      .filter((object) => object.folder === folder)
      .sort((a, b) => a.time.localeCompare(b.time) || a.jobId.localeCompare(b.jobId))
      .map((object) => ({ object }));
  }
}

/**
 * The repository's config and its keys, opened with `password`.
 * @throws EngineError REPOSITORY_NOT_FOUND on an empty store, UNKNOWN_LAYOUT on objects without
 *   a config or a config of another format version, WRONG_PASSWORD when no key opens.
 */
export async function openKeys(
  store: ObjectStore,
  password: string,
): Promise<{ config: RepositoryConfig; keys: MasterKeys; keyId: string }> {
  let configBytes = await store.get('config').catch(orNull);
  if (configBytes === null) {
    let held: string | undefined;
    for await (const { name } of store.list('')) {
      held = name;
      break;
    }
    if (held === undefined)
      throw new EngineError(
        'REPOSITORY_NOT_FOUND',
        `No repository at ${nameOf(store)}: create one with \`npm run repository -- init\``,
      );
    // Objects, but no config when it was read: a repository made since has one now.
    configBytes = await store.get('config').catch(orNull);
    if (configBytes === null)
      throw new EngineError(
        'UNKNOWN_LAYOUT',
        `The store holds objects (${held}) but no config: it is not a repository`,
      );
  }
  const config = decodeConfig(configBytes);
  let wrong: unknown;
  for await (const { name } of store.list('keys/')) {
    const keyId = name.slice('keys/'.length);
    try {
      const keys = await openMasterKeys(await store.get(name), password, keyId, config.id);
      return { config, keys, keyId };
    } catch (error) {
      if (!(error instanceof EngineError && error.code === 'WRONG_PASSWORD')) throw error;
      wrong = error;
    }
  }
  if (wrong) throw wrong;
  throw new EngineError('REPOSITORY_DAMAGED', 'Repository damaged: it has a config and no key');
}

// REPOSITORY_UNAVAILABLE is left as the store said it: it names the bucket and endpoint already.
const REFUSALS_AT_OPEN = new Set<EngineError['code']>([
  'WRONG_PASSWORD',
  'UNKNOWN_LAYOUT',
  'REPOSITORY_DAMAGED',
]);

/**
 * Runs an open; what refuses the repository as a whole (a wrong password, an unknown format
 * version, a damaged config, key or pack header) says which repository, once, here.
 */
export async function named<T>(store: ObjectStore, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (error instanceof EngineError && REFUSALS_AT_OPEN.has(error.code)) {
      throw new EngineError(error.code, `${error.message} (repository ${nameOf(store)})`, {
        transient: error.transient,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * How a message names the repository: an S3 store's bucket, prefix and endpoint; a directory only as
 * "file://", since these messages reach clients and name no path of the server (docs/engine.md).
 */
function nameOf(store: ObjectStore): string {
  if (store instanceof FileStore) return 'file://';
  // A store that does not say what it is (a wrapper) is named by what it is not: no "[object Object]".
  return store.toString === Object.prototype.toString ? 'its store' : String(store);
}

function orNull(error: unknown): null {
  if (error instanceof ObjectNotFoundError) return null;
  throw toEngineError(error, 'reading the repository');
}

function entryOf(object: SnapshotObject): SnapshotEntry {
  return { snapshot: object.jobId, time: new Date(object.time) };
}
