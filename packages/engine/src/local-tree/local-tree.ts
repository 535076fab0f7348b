import { promises as fsp } from 'node:fs';
import { backupWith } from '../backup.js';
import { EngineError, toEngineError } from '../errors.js';
import { noneExcluded } from '../filter.js';
import { syncFilesystem } from '../flush.js';
import { readHeader, readTrailer } from '../manifest.js';
import type { ManifestHeader, ManifestTrailer } from '../manifest-entry.js';
import { timed } from '../profile.js';
import type {
  BackupPhases,
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
  StagedBackup,
  SweepRequest,
  VerifyResult,
} from '../repository/repository.js';
import { checkRestoreRequest, restoreTree } from '../restore.js';
import { selectKept } from '../retention.js';
import { assertValidFolder } from '../validate-folder.js';
import { verifyFiles } from '../verify.js';
import { diffManifests, listManifestDirectory, openSnapshotFile } from './contents.js';
import {
  backupRoot,
  type FolderDirectory,
  type Inventory,
  listFolders,
  locateSnapshot,
  openFolderDirectory,
  placeSnapshot,
  readInventory,
  removeSnapshot,
  type SnapshotInfo,
  type Staged,
} from './layout.js';
import { createStaging, removeStaging } from './staging.js';
import { sweepInventory } from './sweep.js';

/**
 * The reads a local tree makes of a folder's directory and of its manifests: the real ones unless
 * a test counts them through its own. @internal
 */
export interface TreeReads {
  readdir(dir: string): Promise<string[]>;
  header(manifest: string): Promise<ManifestHeader | null>;
  trailer(manifest: string): Promise<ManifestTrailer | null>;
}

const FILESYSTEM_READS: TreeReads = {
  readdir: (dir) => fsp.readdir(dir),
  header: readHeader,
  trailer: readTrailer,
};

type LocalStaged = Staged & StagedBackup;

/**
 * Snapshots in a directory tree on a local filesystem (BACKUP_FOLDER), laid out as layout.ts says:
 * one directory per folder, each snapshot a directory of the copied tree with its manifest beside it.
 */
export class LocalTree implements Repository {
  private readonly reads: TreeReads;

  constructor(
    readonly backupFolder: string,
    options: { reads?: Partial<TreeReads> } = {},
  ) {
    this.reads = { ...FILESYSTEM_READS, ...options.reads };
  }

  async open(): Promise<void> {
    await backupRoot(this.backupFolder);
  }

  async backup(folder: string, options: BackupRequest): Promise<BackupResult> {
    assertValidFolder(folder);
    const root = await backupRoot(this.backupFolder);
    return backupWith(this.phases(root, folder, options), folder, options);
  }

  async verify(snapshot: string, options: ReadRequest = {}): Promise<VerifyResult> {
    const snap = await locateSnapshot(await backupRoot(this.backupFolder), snapshot);
    return verifyFiles(snap, options);
  }

  async restore(snapshot: string, options: RestoreRequest): Promise<RestoreResult> {
    checkRestoreRequest(snapshot, options);
    const snap = await locateSnapshot(await backupRoot(this.backupFolder), snapshot);
    return restoreTree(snap, options);
  }

  async listSnapshots(folder: string): Promise<SnapshotEntry[]> {
    return this.inFolder(folder, [], async (_dir, inventory) =>
      inventory.snapshots.map(({ snapshot, time }) => ({ snapshot, time })),
    );
  }

  async snapshotExists(snapshot: string): Promise<boolean> {
    const root = await backupRoot(this.backupFolder);
    return locateSnapshot(root, snapshot).then(
      () => true,
      (error: unknown) => {
        if (error instanceof EngineError && error.code === 'NO_SUCH_SNAPSHOT') return false;
        throw error;
      },
    );
  }

  /** Hard links make deleting an older snapshot safe for the newer ones that share its files. */
  async forget(folder: string, policy: RetentionPolicy): Promise<RetentionResult> {
    return this.inFolder(folder, { kept: [], pruned: [] }, async (dir, inventory) => {
      const newestFirst = [...inventory.snapshots].reverse();
      const keep = selectKept(newestFirst, policy);
      const result: RetentionResult = { kept: [], pruned: [] };
      for (const s of newestFirst) {
        if (keep.has(s)) {
          result.kept.push(s.snapshot);
          continue;
        }
        await removeSnapshot(dir, s).catch((error: unknown) => {
          throw toEngineError(error, `deleting snapshot ${s.snapshot}`);
        });
        result.pruned.push(s.snapshot);
      }
      return result;
    });
  }

  async sweep(folder: string, options: SweepRequest = {}): Promise<string[]> {
    return this.inFolder(folder, [], (dir, inventory) => sweepInventory(dir, inventory, options));
  }

  async listFolders(): Promise<string[]> {
    return listFolders(await backupRoot(this.backupFolder));
  }

  async listDirectory(snapshot: string, path: string): Promise<ContentEntry[]> {
    return listManifestDirectory(await this.located(snapshot), path);
  }

  async readFile(snapshot: string, path: string): Promise<SnapshotFile> {
    return openSnapshotFile(await this.located(snapshot), path);
  }

  async *diff(from: string, to: string): AsyncIterable<ContentChange> {
    yield* diffManifests(await this.located(from), await this.located(to));
  }

  private async located(snapshot: string): Promise<SnapshotInfo> {
    return locateSnapshot(await backupRoot(this.backupFolder), snapshot);
  }

  /** Runs `use` on the folder's directory and its inventory; answers `none` when it has no directory. */
  private async inFolder<T>(
    folder: string,
    none: T,
    use: (dir: FolderDirectory, inventory: Inventory) => Promise<T>,
  ): Promise<T> {
    assertValidFolder(folder);
    const root = await backupRoot(this.backupFolder);
    const dir = await openFolderDirectory(root, folder, { create: false });
    if (!dir) return none;
    try {
      return await use(dir, await readInventory(dir, this.reads.readdir));
    } finally {
      await dir.handle.close();
    }
  }

  /**
   * The local tree's phases of a backup. prepare opens the folder's directory, reads it once into
   * an inventory, sweeps what dead attempts left, adopts the job's own snapshot when it is the
   * latest, and makes the staging directory; commit flushes, renames the manifest and then the tree
   * into place, and removes the staging directory.
   */
  private phases(root: string, folder: string, options: BackupRequest): BackupPhases<LocalStaged> {
    let folderDir: FolderDirectory | undefined;
    const { jobId, hooks, profile } = options;
    return {
      prepare: async () => {
        const rootStat = await fsp.stat(root, { bigint: true });
        folderDir = await openFolderDirectory(root, folder, { create: true });
        const dir = folderDir;
        const dirStat = await dir.handle.stat({ bigint: true });
        const inventory = await readInventory(dir, this.reads.readdir);
        await sweepInventory(dir, inventory, { jobId, ...(hooks ? { hooks } : {}) });
        const latest = await this.latestComplete(inventory);
        if (latest && (await this.reads.header(latest.manifest))?.jobId === jobId) {
          const adopted = resultOf(latest.snapshot, latest.trailer);
          if (adopted) return { adopted };
        }
        const staged = await createStaging(dir, jobId);
        await hooks?.at?.('staging-created');
        return { staged: { ...staged, previous: latest, exclude: [rootStat, dirStat] } };
      },
      commit: async (staged, mayCommit) => {
        const dir = folderDir!;
        await timed(profile, 'flush', () => syncFilesystem(root));
        await mayCommit();
        const renameStarted = performance.now();
        const snapshot = await placeSnapshot(dir, staged, options.now ?? new Date(), () =>
          hooks?.at?.('manifest-renamed'),
        );
        await hooks?.at?.('snapshot-renamed');
        await removeStaging(dir, staged);
        await dir.handle.sync();
        if (profile) profile.rename += performance.now() - renameStarted;
        return snapshot;
      },
      abandon: async (staged) => {
        if (folderDir) await removeStaging(folderDir, staged);
      },
      close: async () => {
        await folderDir?.handle.close();
      },
    };
  }

  /**
   * The newest snapshot whose manifest is complete (the base for hard links), with its trailer:
   * read from the newest back, so a backup reads one trailer however many snapshots are kept.
   */
  private async latestComplete(
    inventory: Inventory,
  ): Promise<(SnapshotInfo & { trailer: ManifestTrailer }) | null> {
    for (let i = inventory.snapshots.length - 1; i >= 0; i--) {
      const s = inventory.snapshots[i]!;
      const trailer = await this.reads.trailer(s.manifest);
      if (trailer !== null) return { ...s, trailer };
    }
    return null;
  }
}

/** The result an earlier attempt wrote into its snapshot's trailer (manifest version 2), or null. */
function resultOf(snapshot: string, trailer: ManifestTrailer): BackupResult | null {
  const { files, bytes, copiedFiles, copiedBytes, linkedFiles, skipped, warnings, durationMs, excluded } =
    trailer;
  if (
    copiedFiles === undefined ||
    copiedBytes === undefined ||
    linkedFiles === undefined ||
    skipped === undefined ||
    warnings === undefined ||
    durationMs === undefined
  ) {
    return null;
  }
  // A snapshot made before policies left nothing out.
  return {
    snapshot,
    files,
    bytes,
    copiedFiles,
    copiedBytes,
    linkedFiles,
    skipped,
    warnings,
    durationMs,
    excluded: excluded ?? noneExcluded(),
  };
}
