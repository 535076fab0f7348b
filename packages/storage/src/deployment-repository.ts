import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RepositorySettings } from '@strongbox/config';
import {
  type BackupRequest,
  type BackupResult,
  type ContentChange,
  type ContentEntry,
  LocalTree,
  type ReadRequest,
  type Repository,
  type RestoreRequest,
  type RestoreResult,
  type RetentionPolicy,
  type RetentionResult,
  type SnapshotEntry,
  type SnapshotFile,
  type SweepRequest,
  type VerifyResult,
} from '@strongbox/engine';
import { ObjectRepository, type ObjectRepositoryOptions } from '@strongbox/engine/object';
import { storeFromUrl } from './store-from-url.js';

/** Costs of a new repository's key that tests lower; never set in a deployment. @internal */
export type RepositoryTuning = Pick<ObjectRepositoryOptions, 'scrypt'>;

/** How the deployment's object repository is opened, beside its settings. */
export interface DeploymentRepositoryOptions extends RepositoryTuning {
  /**
   * The blob index of the object repository: the catalog's (`catalogBlobIndex` of the database).
   * @defaultValue one in memory, filled from the pack headers when the repository opens
   */
  index?: ObjectRepositoryOptions['index'];
}

/**
 * The deployment's repository, as its configuration names it (REPOSITORY_URL, or the local tree in
 * BACKUP_FOLDER): what the worker runs every job through and what the API's /ready checks.
 */
export interface DeploymentRepository extends Repository {
  readonly kind: RepositorySettings['kind'];
  /** REPOSITORY_URL, or BACKUP_FOLDER for the local tree: for messages, never holds a secret. */
  readonly location: string;
  /**
   * Whether jobs could run on it, cheaply: for the object repository, its storage answers, its
   * config is of this format and the password opens a key (no pack is read). The local tree has
   * nothing to ask here: the worker checks BACKUP_FOLDER when it starts.
   * @throws EngineError REPOSITORY_NOT_FOUND, REPOSITORY_UNAVAILABLE, WRONG_PASSWORD, UNKNOWN_LAYOUT…
   */
  probe(): Promise<void>;
  /** Closes the storage's connections; nothing is used after. */
  close(): Promise<void>;
  /** The object repository itself, for the catalog's rebuild; null for the local tree. */
  objectRepository(): Promise<ObjectRepository | null>;
}

/**
 * Builds the deployment's repository from its settings. Nothing is read or written until a method
 * is called; a failure to reach the storage is not kept, so a later call tries again.
 */
export function repositoryFromConfig(
  settings: RepositorySettings,
  options: DeploymentRepositoryOptions = {},
): DeploymentRepository {
  if (settings.kind === 'local')
    return new ConfiguredRepository(
      'local',
      settings.backupFolder,
      async () => ({ repository: new LocalTree(settings.backupFolder), close: () => undefined }),
      false,
    );
  return new ConfiguredRepository(
    'object',
    settings.url,
    async () => {
      const store = await storeFromUrl(settings.url, settings.s3);
      const repository = new ObjectRepository(store, { password: settings.password, ...options });
      return {
        repository,
        object: repository,
        close: () => store.close(),
      };
    },
    true,
  );
}

/**
 * Creates the object repository the settings name, in an empty location: `npm run repository --
 * init`. A `file://` directory is made first when missing (a bucket is not: it is the operator's).
 * Answers the new repository's id.
 * @throws EngineError REPOSITORY_EXISTS where a repository or any object is already.
 */
export async function initRepository(
  settings: Extract<RepositorySettings, { kind: 'object' }>,
  tuning: RepositoryTuning = {},
): Promise<string> {
  if (settings.url.startsWith('file:')) {
    await mkdir(fileURLToPath(settings.url), { recursive: true, mode: 0o700 });
  }
  const store = await storeFromUrl(settings.url, settings.s3);
  try {
    return await ObjectRepository.init(store, { password: settings.password, ...tuning });
  } finally {
    await store.close();
  }
}

interface Opened {
  repository: Repository & { probe?: () => Promise<void> };
  object?: ObjectRepository;
  close: () => unknown;
}

class ConfiguredRepository implements DeploymentRepository {
  #opened: Promise<Opened> | undefined;

  constructor(
    readonly kind: RepositorySettings['kind'],
    readonly location: string,
    private readonly make: () => Promise<Opened>,
    private readonly probes: boolean,
  ) {}

  async probe(): Promise<void> {
    if (!this.probes) return;
    await (await this.inner()).probe?.();
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    this.#opened = undefined;
    if (opened) await (await opened.catch(() => null))?.close();
  }

  async open(): Promise<void> {
    await (await this.inner()).open();
  }
  async objectRepository(): Promise<ObjectRepository | null> {
    return (await this.made()).object ?? null;
  }
  async backup(folder: string, options: BackupRequest): Promise<BackupResult> {
    return (await this.inner()).backup(folder, options);
  }
  async verify(snapshot: string, options?: ReadRequest): Promise<VerifyResult> {
    return (await this.inner()).verify(snapshot, options);
  }
  async restore(snapshot: string, options: RestoreRequest): Promise<RestoreResult> {
    return (await this.inner()).restore(snapshot, options);
  }
  async listSnapshots(folder: string): Promise<SnapshotEntry[]> {
    return (await this.inner()).listSnapshots(folder);
  }
  async listDirectory(snapshot: string, path: string): Promise<ContentEntry[]> {
    return (await this.inner()).listDirectory(snapshot, path);
  }
  async readFile(snapshot: string, path: string): Promise<SnapshotFile> {
    return (await this.inner()).readFile(snapshot, path);
  }
  async *diff(from: string, to: string): AsyncIterable<ContentChange> {
    yield* (await this.inner()).diff(from, to);
  }
  async snapshotExists(snapshot: string): Promise<boolean> {
    return (await this.inner()).snapshotExists(snapshot);
  }
  async forget(folder: string, policy: RetentionPolicy): Promise<RetentionResult> {
    return (await this.inner()).forget(folder, policy);
  }
  async sweep(folder: string, options?: SweepRequest): Promise<string[]> {
    return (await this.inner()).sweep(folder, options);
  }
  async listFolders(): Promise<string[]> {
    return (await this.inner()).listFolders();
  }

  private async inner(): Promise<Opened['repository']> {
    return (await this.made()).repository;
  }

  private made(): Promise<Opened> {
    this.#opened ??= this.make().catch((error: unknown) => {
      this.#opened = undefined;
      throw error;
    });
    return this.#opened;
  }
}
