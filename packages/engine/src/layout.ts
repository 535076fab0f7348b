import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError, errnoOf, toEngineError } from './errors.js';
import { fsyncDirectory } from './flush.js';
import { realRoot } from './resolve.js';

/** The record of the layout, in BACKUP_FOLDER itself. */
export const LAYOUT_FILE = '.strongbox-layout';
const LAYOUT_FORMAT = 'strongbox-backup-folder';
/** Version 1: one directory per folder, named by its key (see folder-key.ts and docs/engine.md). */
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
 * something else, or a version this one does not know). The worker calls it at start, and every
 * entry point before it touches the folder; the answer is kept for the life of the process.
 */
export async function prepareBackupFolder(backupFolder: string): Promise<void> {
  await backupRoot(backupFolder);
}

/** The real path of a backup folder whose layout is this engine's (see prepareBackupFolder). */
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
