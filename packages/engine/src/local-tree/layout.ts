import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { EngineError, errnoOf, toEngineError } from '../errors.js';
import { DIR_FLAGS, fdPath } from '../fd-path.js';
import { fsyncDirectory } from '../flush.js';
import { removeTree } from '../remove-tree.js';
import type { DiscardHooks } from '../repository/repository.js';
import { realRoot } from '../resolve.js';
import { validateFolder } from '../validate-folder.js';

/*
 * The local tree's layout, all of it, in one place: every name and place below BACKUP_FOLDER is
 * made or read here and nowhere else (docs/engine.md, "The local tree"):
 *
 *   <BACKUP_FOLDER>/.strongbox-layout                   the layout record (LAYOUT_VERSION)
 *   <BACKUP_FOLDER>/<folder key>/                      one directory per folder (folderKey)
 *     .folder.json                                     which folder it belongs to
 *     <snapshot name>/                                 a snapshot: the copied tree
 *     <snapshot name>.manifest.jsonl                   its manifest, beside it
 *     .staging-<job>-<host>-<pid>-<start>/             a backup in progress: manifest.jsonl, tree/
 *     .dead-<random>                                   something being removed
 */

// ---- The backup folder ----------------------------------------------------------------------

/** The record of the layout, in BACKUP_FOLDER itself. */
export const LAYOUT_FILE = '.strongbox-layout';
const LAYOUT_FORMAT = 'strongbox-backup-folder';
/** Version 1: one directory per folder, named by its key (see folderKey below and docs/engine.md). */
export const LAYOUT_VERSION = 1;
/** What a filesystem puts into its own root: a backup folder holding only these counts as empty. */
const FILESYSTEM_ENTRIES = new Set(['lost+found']);

interface LayoutRecord {
  format: typeof LAYOUT_FORMAT;
  version: number;
}

const prepared = new Map<string, Promise<string>>();

/**
 * Makes sure the backup folder is laid out as this engine lays it out: writes the layout record
 * into an empty folder, accepts one that records this version, and refuses anything else with
 * UNKNOWN_LAYOUT (a folder of files without a record, written by an older Strongbox or by
 * something else, or a version this one does not know). Every call of the local tree
 * does it before it touches the folder; the answer is kept for the life of the process.
 * @returns the real path of the backup folder.
 */
export function backupRoot(backupFolder: string): Promise<string> {
  const key = path.resolve(backupFolder);
  let pending = prepared.get(key);
  if (!pending) {
    pending = checkLayout(key);
    prepared.set(key, pending);
    // A refusal is not kept: the operator may fix the folder without restarting.
    pending.catch(() => prepared.delete(key));
  }
  return pending;
}

async function checkLayout(backupFolder: string): Promise<string> {
  const root = await realRoot(backupFolder, 'the backup folder');
  const text = await fsp.readFile(path.join(root, LAYOUT_FILE), 'utf8').catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return null;
    throw toEngineError(error, `reading ${LAYOUT_FILE}`);
  });
  if (text === null) {
    await writeRecordIfEmpty(root);
  } else {
    checkRecord(text);
  }
  return root;
}

function checkRecord(text: string): void {
  let record: Partial<LayoutRecord> | null = null;
  try {
    record = JSON.parse(text) as Partial<LayoutRecord>;
  } catch {}
  if (record?.format !== LAYOUT_FORMAT || typeof record.version !== 'number') {
    throw new EngineError(
      'UNKNOWN_LAYOUT',
      `The backup folder has a ${LAYOUT_FILE} record this Strongbox cannot read: run the Strongbox ` +
        'that wrote it, or point BACKUP_FOLDER at another directory.',
    );
  }
  if (record.version !== LAYOUT_VERSION) {
    throw new EngineError(
      'UNKNOWN_LAYOUT',
      `The backup folder has layout version ${record.version}, which this Strongbox does not know ` +
        `(it knows ${LAYOUT_VERSION}): run the Strongbox that wrote it, or point BACKUP_FOLDER at another directory.`,
    );
  }
}

/**
 * Writes the record into an empty backup folder. Workers starting together may race: each writes a
 * temporary file and links it into place, so the record appears whole, and exactly once.
 */
async function writeRecordIfEmpty(root: string): Promise<void> {
  const names = await fsp.readdir(root).catch((error: unknown) => {
    throw toEngineError(error, 'listing the backup folder');
  });
  const file = path.join(root, LAYOUT_FILE);
  if (names.includes(LAYOUT_FILE)) {
    // Another process wrote it since this one looked.
    checkRecord(await fsp.readFile(file, 'utf8'));
    return;
  }
  if (names.some((name) => !FILESYSTEM_ENTRIES.has(name) && !name.startsWith(`${LAYOUT_FILE}.`))) {
    throw new EngineError(
      'UNKNOWN_LAYOUT',
      `The backup folder holds files but no ${LAYOUT_FILE} record: it was written by an older ` +
        'Strongbox or by something else, and this one would not read it right. Point BACKUP_FOLDER at ' +
        'an empty directory, or move what it holds elsewhere.',
    );
  }
  const record: LayoutRecord = { format: LAYOUT_FORMAT, version: LAYOUT_VERSION };
  const temporary = `${LAYOUT_FILE}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fsp.open(path.join(root, temporary), 'wx', 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(record)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.link(path.join(root, temporary), file).catch(async (error: unknown) => {
      if (errnoOf(error) !== 'EEXIST') throw error;
      // Another process wrote it first.
      checkRecord(await fsp.readFile(file, 'utf8'));
    });
    await fsyncDirectory(root);
  } catch (error) {
    throw toEngineError(error, `writing ${LAYOUT_FILE}`);
  } finally {
    await fsp.rm(path.join(root, temporary), { force: true });
  }
}

// ---- Folder keys --------------------------------------------------------------------------

/**
 * The name of a folder's own directory in BACKUP_FOLDER: the whole folder path as one path
 * component, so that `photos` and `photos/2024` never share a directory and no folder name can
 * reach another folder's snapshots or the engine's files.
 *
 * The percent form escapes `%` as `%25` and `/` as `%2F`, a leading `.` as `%2E` (no key starts
 * with ".", which is kept for the engine's own files) and a leading `~` as `%7E` (kept for the
 * hash form); everything else stays as it is, in UTF-8. Since every `%` of a key starts an escape,
 * each key decodes to exactly one folder. A key longer than MAX_KEY_BYTES (well within the 255-byte
 * limit of a name) takes the hash form instead: `~` and the SHA-256 of the folder in hex; the
 * folder is then read back from the record inside the key's directory.
 */
export const MAX_KEY_BYTES = 200;

const HASH_KEY = /^~[0-9a-f]{64}$/;
const ESCAPES = /%(25|2F|2E|7E)/g;
const ONLY_KNOWN_ESCAPES = /^(?:[^%]|%(?:25|2F|2E|7E))*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function folderKey(folder: string): string {
  if (LONE_SURROGATE.test(folder)) {
    // Written to disk, a lone surrogate would become U+FFFD: another folder's name.
    throw new EngineError(
      'INVALID_FOLDER',
      'The folder must be well-formed Unicode (it has a lone surrogate)',
    );
  }
  let key = folder.replaceAll('%', '%25').replaceAll('/', '%2F');
  if (key.startsWith('.')) key = `%2E${key.slice(1)}`;
  else if (key.startsWith('~')) key = `%7E${key.slice(1)}`;
  if (Buffer.byteLength(key) <= MAX_KEY_BYTES) return key;
  return `~${createHash('sha256').update(folder).digest('hex')}`;
}

/** The folder of a percent-form key; null for the hash form and for names no folder encodes to. */
export function decodeFolderKey(key: string): string | null {
  if (!ONLY_KNOWN_ESCAPES.test(key)) return null;
  const folder = key.replace(ESCAPES, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return validateFolder(folder) === null && folderKey(folder) === key ? folder : null;
}

/** Whether `name` is the key of some folder (either form). */
export function isFolderKey(name: string): boolean {
  return HASH_KEY.test(name) || decodeFolderKey(name) !== null;
}

export function isHashKey(name: string): boolean {
  return HASH_KEY.test(name);
}

// ---- Names inside a folder's directory -------------------------------------------------

const SNAPSHOT_NAME = /^(\d{8}T\d{6}Z)-([0-9a-f]{6})$/;
/** `<snapshot name>.manifest.jsonl` sits beside its snapshot. */
export const MANIFEST_SUFFIX = '.manifest.jsonl';
/** Work in progress in a folder's directory: `.staging-<job>-<host>-<pid>-<start>/`, temporary files. */
export const STAGING_PREFIX = '.staging-';
/** Something being removed from a folder's directory: dead by its name, removable by anyone. */
export const TOMBSTONE_PREFIX = '.dead-';
/** Inside a staging directory: the manifest being written, and the copy of the folder. */
const STAGED_MANIFEST = 'manifest.jsonl';
const STAGED_TREE = 'tree';

/** A new snapshot name: UTC time to the second, then 6 random hex digits. */
export function newSnapshotName(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function isSnapshotName(name: string): boolean {
  return SNAPSHOT_NAME.test(name);
}

/** The UTC instant a snapshot name was stamped with. */
export function snapshotTime(name: string): Date {
  const m = SNAPSHOT_NAME.exec(name);
  if (!m?.[1]) throw new Error(`not a snapshot name: ${name}`);
  const s = m[1];
  return new Date(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`,
  );
}

// `.staging-<job>-<host>-<pid>-<start>`: 12 hex of sha256(job id), 8 hex of sha256(hostname), the
// pid in decimal, and the attempt's start in milliseconds since the epoch, base 36.
const STAGING_NAME = /^\.staging-([0-9a-f]{12})-([0-9a-f]{8})-([1-9][0-9]{0,9})-([0-9a-z]{1,12})$/;

/** Who made a staging directory: read from its name, which is written in the same step as the directory. */
export interface StagingOwner {
  /** 12 hex digits of the SHA-256 of the job id. */
  job: string;
  /** 8 hex digits of the SHA-256 of the host name. */
  host: string;
  pid: number;
  /** When the attempt started, ms since the epoch. */
  startedAt: number;
}

export function jobHash(jobId: string): string {
  return sha256(jobId).slice(0, 12);
}

export function hostHash(): string {
  return sha256(hostname()).slice(0, 8);
}

/** The name of a new staging directory for `jobId`, made by this process now. */
export function stagingName(jobId: string, now = Date.now()): string {
  return formatStagingName({ job: jobHash(jobId), host: hostHash(), pid: process.pid, startedAt: now });
}

export function formatStagingName(owner: StagingOwner): string {
  return `${STAGING_PREFIX}${owner.job}-${owner.host}-${owner.pid}-${owner.startedAt.toString(36)}`;
}

/** The owner a staging name records, or null for a name of another shape. */
export function parseStagingName(name: string): StagingOwner | null {
  const m = STAGING_NAME.exec(name);
  if (!m) return null;
  return { job: m[1]!, host: m[2]!, pid: Number(m[3]), startedAt: Number.parseInt(m[4]!, 36) };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// ---- A folder's directory -----------------------------------------------------------------

/** Inside every folder's directory: which folder it belongs to (needed to read a hash-form key). */
export const FOLDER_RECORD = '.folder.json';

/** The directory of one folder's snapshots, `<backupFolder>/<key>`, open. */
export interface FolderDirectory {
  folder: string;
  key: string;
  handle: fsp.FileHandle;
  /** A path anchored at the open directory: everything inside is reached through it. */
  path: string;
  /** The real path of the backup folder. */
  root: string;
}

/**
 * Opens a folder's directory in the backup folder (`root`, as backupRoot answers it).
 * With `create`, makes it first: one mkdir of a single name in the real backup folder, never a path
 * through anything else; then records the folder in it. Without, answers null when there is none.
 * The directory is opened with O_NOFOLLOW: a symlink in its place is refused.
 */
export async function openFolderDirectory(
  root: string,
  folder: string,
  options: { create: true },
): Promise<FolderDirectory>;
export async function openFolderDirectory(
  root: string,
  folder: string,
  options: { create: false },
): Promise<FolderDirectory | null>;
export async function openFolderDirectory(
  root: string,
  folder: string,
  options: { create: boolean },
): Promise<FolderDirectory | null> {
  const key = folderKey(folder);
  const dir = path.join(root, key);
  if (options.create) {
    await fsp.mkdir(dir).catch((error: unknown) => {
      if (errnoOf(error) !== 'EEXIST')
        throw toEngineError(error, `creating the backup directory of ${folder}`);
    });
  }
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(dir, DIR_FLAGS);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' && !options.create) return null;
    throw toEngineError(error, `opening the backup directory of ${folder}`);
  }
  const opened: FolderDirectory = { folder, key, handle, path: fdPath(handle.fd), root };
  try {
    if (options.create) await ensureRecord(opened);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return opened;
}

/** The folder whose directory in the backup folder is named `key`; null when there is no such key. */
export async function folderOfKey(root: string, key: string): Promise<string | null> {
  const decoded = decodeFolderKey(key);
  if (decoded !== null || !isHashKey(key)) return decoded;
  const recorded = await readRecord(path.join(root, key));
  return recorded !== null && folderKey(recorded) === key ? recorded : null;
}

async function ensureRecord(dir: FolderDirectory): Promise<void> {
  const recorded = await readRecord(dir.path);
  if (recorded === dir.folder) return;
  if (recorded !== null) {
    throw new EngineError(
      'IO_ERROR',
      `The backup directory of ${dir.folder} (${dir.key}) records another folder: ${JSON.stringify(recorded)}`,
    );
  }
  // Written aside and renamed, so the record is never seen half written; the stale-staging pass
  // removes what a crash leaves of the temporary file.
  const temporary = `${dir.path}/${STAGING_PREFIX}record-${randomBytes(6).toString('hex')}`;
  try {
    await fsp.writeFile(temporary, `${JSON.stringify({ folder: dir.folder })}\n`, { flag: 'wx' });
    await fsp.rename(temporary, `${dir.path}/${FOLDER_RECORD}`);
  } catch (error) {
    await fsp.rm(temporary, { force: true });
    throw toEngineError(error, `recording the folder in the backup directory of ${dir.folder}`);
  }
}

async function readRecord(dirPath: string): Promise<string | null> {
  try {
    const parsed = JSON.parse(await fsp.readFile(`${dirPath}/${FOLDER_RECORD}`, 'utf8')) as {
      folder?: unknown;
    };
    return typeof parsed.folder === 'string' ? parsed.folder : null;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' || error instanceof SyntaxError) return null;
    throw toEngineError(error, `reading ${FOLDER_RECORD}`);
  }
}

/** The folders that have a directory in the backup folder (`root`, as backupRoot answers it), in no order. */
export async function listFolders(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(root);
  } catch (error) {
    throw toEngineError(error, 'listing the backup folder');
  }
  const folders: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const folder = await folderOfKey(root, name);
    if (folder !== null) folders.push(folder);
  }
  return folders;
}

/** A backup in progress: its staging directory, and the manifest and the tree written inside it. */
export interface Staged {
  name: string;
  dir: string;
  manifest: string;
  tree: string;
}

export function stagedIn(folderDir: FolderDirectory, name: string): Staged {
  const dir = `${folderDir.path}/${name}`;
  return { name, dir, manifest: `${dir}/${STAGED_MANIFEST}`, tree: `${dir}/${STAGED_TREE}` };
}

/**
 * Renames a staged snapshot into place under a new name stamped `now`: the manifest first, so that
 * a snapshot directory never exists without its manifest; `between` runs between the two renames.
 * @returns the snapshot, as in BackupResult.snapshot: `<folder key>/<snapshot name>`.
 */
export async function placeSnapshot(
  folderDir: FolderDirectory,
  staged: Staged,
  now: Date,
  between?: () => void | Promise<void>,
): Promise<string> {
  const name = await freshName(folderDir, now);
  await fsp.rename(staged.manifest, `${folderDir.path}/${name}${MANIFEST_SUFFIX}`);
  await between?.();
  await fsp.rename(staged.tree, `${folderDir.path}/${name}`);
  return `${folderDir.key}/${name}`;
}

async function freshName(folderDir: FolderDirectory, now: Date): Promise<string> {
  for (;;) {
    const name = newSnapshotName(now);
    try {
      await fsp.lstat(`${folderDir.path}/${name}`);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return name;
      throw error;
    }
  }
}

// ---- Snapshots ----------------------------------------------------------------------------

/** A complete snapshot of one folder: its directory and manifest both exist. */
export interface SnapshotInfo {
  name: string;
  /** Relative to the backup folder: `<folder key>/<snapshot name>`. */
  snapshot: string;
  dir: string;
  manifest: string;
  time: Date;
}

/**
 * What one reading of a folder's directory found, sorted by what the engine does with it. A job
 * reads the directory once, into this, and hands it along: the sweep, the adoption of an earlier
 * attempt's snapshot and the choice of the previous snapshot all work from it.
 */
export interface Inventory {
  /** Tombstones (`.dead-…`): removals that were cut off. */
  tombstones: string[];
  /** Staging entries (`.staging-…`), live or not. */
  staging: string[];
  /** Snapshot directories without their manifest (a removal cut off after the manifest went). */
  bareDirectories: string[];
  /** Manifests without their directory (an attempt cut off between its two renames). */
  bareManifests: string[];
  /** Complete snapshots (directory and manifest), oldest first. */
  snapshots: SnapshotInfo[];
}

/** Reads a folder's directory, once, into an Inventory; `readdir` is the one read it makes of it. */
export async function readInventory(
  folderDir: FolderDirectory,
  readdir: (dir: string) => Promise<string[]> = (dir) => fsp.readdir(dir),
): Promise<Inventory> {
  let names: string[];
  try {
    names = await readdir(folderDir.path);
  } catch (error) {
    throw toEngineError(error, `listing the snapshots of ${folderDir.folder}`);
  }
  const present = new Set(names);
  const inventory: Inventory = {
    tombstones: [],
    staging: [],
    bareDirectories: [],
    bareManifests: [],
    snapshots: [],
  };
  for (const name of names) {
    if (name.startsWith(TOMBSTONE_PREFIX)) inventory.tombstones.push(name);
    else if (name.startsWith(STAGING_PREFIX)) inventory.staging.push(name);
    else if (isSnapshotName(name)) {
      if (present.has(name + MANIFEST_SUFFIX)) inventory.snapshots.push(snapshotIn(folderDir, name));
      else inventory.bareDirectories.push(name);
    } else if (name.endsWith(MANIFEST_SUFFIX)) {
      const snapshot = name.slice(0, -MANIFEST_SUFFIX.length);
      if (isSnapshotName(snapshot) && !present.has(snapshot)) inventory.bareManifests.push(name);
    }
  }
  inventory.snapshots = await oldestFirst(inventory.snapshots);
  return inventory;
}

function snapshotIn(folderDir: FolderDirectory, name: string): SnapshotInfo {
  return {
    name,
    snapshot: `${folderDir.key}/${name}`,
    dir: `${folderDir.path}/${name}`,
    manifest: `${folderDir.path}/${name}${MANIFEST_SUFFIX}`,
    time: snapshotTime(name),
  };
}

/**
 * Orders snapshots by the time in their names; names are stamped to the second, so the manifests'
 * mtimes order those made within one second (only theirs are looked at: a folder's thousandth
 * snapshot costs no more than its first).
 */
async function oldestFirst(snapshots: SnapshotInfo[]): Promise<SnapshotInfo[]> {
  const byName = [...snapshots].sort((a, b) => a.time.getTime() - b.time.getTime());
  const ordered: SnapshotInfo[] = [];
  for (let i = 0; i < byName.length; ) {
    let j = i + 1;
    while (j < byName.length && byName[j]!.time.getTime() === byName[i]!.time.getTime()) j++;
    if (j - i === 1) ordered.push(byName[i]!);
    else ordered.push(...(await byManifestTime(byName.slice(i, j))));
    i = j;
  }
  return ordered;
}

async function byManifestTime(snapshots: SnapshotInfo[]): Promise<SnapshotInfo[]> {
  const stamped = await Promise.all(
    snapshots.map(async (s) => ({
      s,
      ns: (await fsp.stat(s.manifest, { bigint: true }).catch(() => null))?.mtimeNs,
    })),
  );
  // A manifest gone since the directory was read: no longer a snapshot.
  const present = stamped.filter((t): t is { s: SnapshotInfo; ns: bigint } => t.ns !== undefined);
  present.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
  return present.map((t) => t.s);
}

/**
 * Locates a snapshot given as in BackupResult.snapshot (`<folder key>/<snapshot name>`); throws
 * NO_SUCH_SNAPSHOT unless both its directory and its manifest exist, each a real directory or file
 * (never reached through a symlink).
 */
export async function locateSnapshot(root: string, snapshot: string): Promise<SnapshotInfo> {
  const missing = () => new EngineError('NO_SUCH_SNAPSHOT', `No such snapshot: ${snapshot}`);
  const parts = typeof snapshot === 'string' ? snapshot.split('/') : [];
  const [key, name] = parts;
  if (parts.length !== 2 || !key || !name || !isFolderKey(key) || !isSnapshotName(name)) throw missing();
  const dir = path.join(root, key, name);
  const manifest = dir + MANIFEST_SUFFIX;
  const kinds = await Promise.all(
    [path.join(root, key), dir, manifest].map((p) =>
      fsp.lstat(p).catch((error: unknown) => {
        if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return null;
        throw toEngineError(error, `looking for snapshot ${snapshot}`);
      }),
    ),
  );
  const [keyStat, dirStat, manifestStat] = kinds;
  if (!keyStat?.isDirectory() || !dirStat?.isDirectory() || !manifestStat?.isFile()) throw missing();
  return { name, snapshot, dir, manifest, time: snapshotTime(name) };
}

// ---- Removal ------------------------------------------------------------------------------

/**
 * Removes an entry of a directory for good, in a way that a kill at any point leaves something
 * recognisably dead: it is first renamed to a tombstone (`.dead-<random>`), which nothing ever
 * reads and anyone may remove, and only then deleted. Two processes discarding the same entry
 * cannot both get it: the rename succeeds for one; the other finds it gone.
 * @returns false when the entry was not there (any more).
 */
export async function discard(dirPath: string, name: string, hooks?: DiscardHooks): Promise<boolean> {
  const tombstone = `${TOMBSTONE_PREFIX}${randomBytes(6).toString('hex')}`;
  try {
    await fsp.rename(`${dirPath}/${name}`, `${dirPath}/${tombstone}`);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
  await hooks?.afterTombstone?.(`${dirPath}/${tombstone}`);
  await removeTree(`${dirPath}/${tombstone}`);
  return true;
}

/**
 * Removes a complete snapshot: its manifest first, since without it the directory is no longer a
 * snapshot, and a removal cut off there is finished by the next sweep; then its directory.
 */
export async function removeSnapshot(
  folderDir: FolderDirectory,
  snapshot: SnapshotInfo,
  hooks?: DiscardHooks,
): Promise<void> {
  await fsp.rm(snapshot.manifest, { force: true });
  await discard(folderDir.path, snapshot.name, hooks);
}
