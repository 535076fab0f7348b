import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { processStartedAt } from '../process-start.js';
import {
  discard,
  type FolderDirectory,
  hostHash,
  jobHash,
  parseStagingName,
  type Staged,
  stagedIn,
  stagingName,
} from './layout.js';

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

/** Staging directories this process has made and not yet removed: the live attempts of this pid. */
const ownStaging = new Set<string>();

/**
 * Creates the staging directory of a backup in the folder's directory. Its owner is its name, made
 * by the one mkdir: there is no moment at which it exists without one.
 */
export async function createStaging(folderDir: FolderDirectory, jobId: string): Promise<Staged> {
  const staged = stagedIn(folderDir, stagingName(jobId));
  await fsp.mkdir(staged.dir, { mode: 0o700 });
  ownStaging.add(`${folderDir.key}/${staged.name}`);
  return staged;
}

/** Removes a staging directory this process made (see discard). */
export async function removeStaging(folderDir: FolderDirectory, staged: Staged): Promise<void> {
  await discard(folderDir.path, staged.name);
  ownStaging.delete(`${folderDir.key}/${staged.name}`);
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
