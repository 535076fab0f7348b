import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { errnoOf } from './errors.js';
import { isSnapshotName, MANIFEST_SUFFIX } from './paths.js';
import { folderDirectory } from './snapshots.js';

export const STAGING_PREFIX = '.staging-';
const OWNER_FILE = 'owner.json';
/** Staging of another machine, whose processes cannot be checked, is stale after this long. */
const FOREIGN_STALE_MS = 24 * 60 * 60 * 1000;
/** A staging directory without an owner file (died right after mkdir) is stale after this long. */
const ORPHAN_STALE_MS = 60 * 1000;

/** Who owns a staging directory: written into it first thing. */
export interface StagingOwner {
  jobId: string;
  host: string;
  pid: number;
  startedAt: string;
}

/** `.staging-<hash of job id>-<pid>`, beside the snapshots of the folder. */
export function stagingName(jobId: string): string {
  const job = createHash('sha256').update(jobId).digest('hex').slice(0, 12);
  return `${STAGING_PREFIX}${job}-${process.pid}`;
}

export async function createStaging(folderDir: string, jobId: string): Promise<string> {
  const dir = path.join(folderDir, stagingName(jobId));
  await fsp.mkdir(dir, { mode: 0o700 });
  const owner: StagingOwner = {
    jobId,
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  await fsp.writeFile(path.join(dir, OWNER_FILE), `${JSON.stringify(owner)}\n`);
  return dir;
}

/**
 * Removes what dead attempts left in a folder's backup directory: staging directories whose owner is
 * gone (same host and the pid no longer runs, the same job id as the caller's retry, or another
 * host's older than a day), snapshot directories whose manifest was deleted (a retention run that
 * died half-way), and manifests whose directory never appeared (an attempt that died between its
 * two renames, when no live attempt is staging).
 * @returns the names removed.
 */
export async function cleanStaleStaging(o: {
  backupFolder: string;
  folder: string;
  jobId?: string;
}): Promise<string[]> {
  const folderDir = await folderDirectory(o.backupFolder, o.folder, false);
  let names: string[];
  try {
    names = await fsp.readdir(folderDir);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw error;
  }
  const present = new Set(names);
  const removed: string[] = [];
  let liveStaging = false;
  for (const name of names) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const dir = path.join(folderDir, name);
    if (await isStale(dir, o.jobId)) {
      await removeTree(dir);
      removed.push(name);
    } else {
      liveStaging = true;
    }
  }
  for (const name of names) {
    if (isSnapshotName(name) && !present.has(name + MANIFEST_SUFFIX)) {
      await removeTree(path.join(folderDir, name));
      removed.push(name);
    } else if (!liveStaging && name.endsWith(MANIFEST_SUFFIX)) {
      const snap = name.slice(0, -MANIFEST_SUFFIX.length);
      if (isSnapshotName(snap) && !present.has(snap)) {
        await fsp.rm(path.join(folderDir, name), { force: true });
        removed.push(name);
      }
    }
  }
  return removed;
}

async function isStale(dir: string, jobId: string | undefined): Promise<boolean> {
  let owner: StagingOwner;
  try {
    owner = JSON.parse(await fsp.readFile(path.join(dir, OWNER_FILE), 'utf8')) as StagingOwner;
  } catch {
    const st = await fsp.lstat(dir).catch(() => null);
    return st === null || Date.now() - st.mtimeMs > ORPHAN_STALE_MS;
  }
  // A retry of the same job supersedes its earlier attempt, whoever ran it.
  if (jobId !== undefined && owner.jobId === jobId) return true;
  if (owner.host === hostname()) return owner.pid !== process.pid && !isAlive(owner.pid);
  return Date.now() - Date.parse(owner.startedAt) > FOREIGN_STALE_MS;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
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
  for (const e of entries) if (e.isDirectory()) await makeWritable(path.join(dir, e.name));
}
