import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { errnoOf } from './errors.js';
import type { FolderDirectory } from './folder-directory.js';
import { STAGING_PREFIX, TOMBSTONE_PREFIX } from './paths.js';
import { processStartedAt } from './process-start.js';

/**
 * Staging of another machine, whose processes cannot be checked from here, counts as live for this
 * long after its attempt started.
 */
export const FOREIGN_STALE_MS = 24 * 60 * 60 * 1000;
/**
 * A staging name this engine did not make (an older Strongbox's, `.staging-<12 hex>-<pid>`, or a
 * temporary file of `.folder.json`) counts as live for this long after its last change, unless its
 * old owner file says its process is gone.
 */
const UNNAMED_STALE_MS = 60 * 1000;
/** A process that started this long after a staging directory cannot be the one that made it. */
const START_SLACK_MS = 2_000;

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

/** Staging directories this process has made and not yet removed: the live attempts of this pid. */
const ownStaging = new Set<string>();

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

/**
 * Creates the staging directory of a backup in the folder's directory and returns its path. Its
 * owner is its name, made by the one mkdir: there is no moment at which it exists without one.
 */
export async function createStaging(folderDir: FolderDirectory, jobId: string): Promise<string> {
  const name = stagingName(jobId);
  await fsp.mkdir(`${folderDir.path}/${name}`, { mode: 0o700 });
  ownStaging.add(`${folderDir.key}/${name}`);
  return `${folderDir.path}/${name}`;
}

/** Removes a staging directory this process made (see {@link discard}). */
export async function removeStaging(folderDir: FolderDirectory, staging: string): Promise<void> {
  const name = staging.slice(staging.lastIndexOf('/') + 1);
  await discard(folderDir.path, name);
  ownStaging.delete(`${folderDir.key}/${name}`);
}

/**
 * Whether a `.staging-` entry of a folder's directory belongs to an attempt that is over: its
 * process is gone (same host: the pid does not run, or runs a process started after the staging
 * was made, or is this process but not one of its live attempts), it is another host's and older
 * than {@link FOREIGN_STALE_MS}, or it belongs to `jobId`, whose new attempt is about to run (a
 * retry supersedes every earlier attempt of its job; the caller holds the folder's lock).
 */
export async function isStaleStaging(
  folderDir: FolderDirectory,
  name: string,
  jobId: string | undefined,
  now = Date.now(),
): Promise<boolean> {
  const owner = parseStagingName(name);
  if (!owner) return isStaleUnnamed(`${folderDir.path}/${name}`, now);
  if (jobId !== undefined && owner.job === jobHash(jobId)) return true;
  if (owner.host !== hostHash()) return now - owner.startedAt > FOREIGN_STALE_MS;
  if (owner.pid === process.pid) return !ownStaging.has(`${folderDir.key}/${name}`);
  const started = await processStartedAt(owner.pid);
  if (started === null) return true;
  // The pid runs, but a process started after the staging cannot have made it: the pid was reused.
  return started === undefined ? false : started > owner.startedAt + START_SLACK_MS;
}

// An older Strongbox wrote `owner.json` into its staging directory after making it.
async function isStaleUnnamed(entry: string, now: number): Promise<boolean> {
  try {
    const owner = JSON.parse(await fsp.readFile(`${entry}/owner.json`, 'utf8')) as {
      host?: string;
      pid?: number;
    };
    if (owner.host === hostname() && typeof owner.pid === 'number' && owner.pid !== process.pid) {
      return (await processStartedAt(owner.pid)) === null;
    }
  } catch {}
  const st = await fsp.lstat(entry).catch(() => null);
  return st === null || now - st.mtimeMs > UNNAMED_STALE_MS;
}

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

/** Points at which tests can stop a removal. @internal */
export interface DiscardHooks {
  /** Called once an entry has been renamed to its tombstone, before it is deleted. */
  afterTombstone?: (tombstone: string) => void | Promise<void>;
}

/** Deletes a tree even where a read-only directory would refuse it. */
export async function removeTree(dir: string): Promise<void> {
  try {
    await fsp.rm(dir, { recursive: true, force: true });
  } catch (error) {
    if (errnoOf(error) !== 'EACCES' && errnoOf(error) !== 'EPERM') throw error;
    await makeWritable(dir);
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

async function makeWritable(dir: string): Promise<void> {
  await fsp.chmod(dir, 0o700).catch(() => {});
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await makeWritable(`${dir}/${e.name}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
