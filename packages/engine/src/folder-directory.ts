import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError, errnoOf, toEngineError } from './errors.js';
import { DIR_FLAGS, fdPath } from './fd-path.js';
import { decodeFolderKey, folderKey, isHashKey } from './folder-key.js';
import { backupRoot } from './layout.js';
import { STAGING_PREFIX } from './paths.js';

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
 * Opens a folder's directory in the backup folder (after checking the backup folder's layout).
 * With `create`, makes it first: one mkdir of a single name in the real backup folder, never a path
 * through anything else; then records the folder in it. Without, answers null when there is none.
 * The directory is opened with O_NOFOLLOW: a symlink in its place is refused.
 */
export async function openFolderDirectory(
  backupFolder: string,
  folder: string,
  options: { create: true },
): Promise<FolderDirectory>;
export async function openFolderDirectory(
  backupFolder: string,
  folder: string,
  options: { create: false },
): Promise<FolderDirectory | null>;
export async function openFolderDirectory(
  backupFolder: string,
  folder: string,
  options: { create: boolean },
): Promise<FolderDirectory | null> {
  const key = folderKey(folder);
  const root = await backupRoot(backupFolder);
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
export async function folderOfKey(backupFolder: string, key: string): Promise<string | null> {
  const decoded = decodeFolderKey(key);
  if (decoded !== null || !isHashKey(key)) return decoded;
  const root = await backupRoot(backupFolder);
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
