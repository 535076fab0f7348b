import { isUtf8 } from 'node:buffer';
import { type Dirent, promises as fsp } from 'node:fs';
import { DIR_FLAGS, fdPath } from './fd-path.js';
import { compareNames } from './paths.js';

/**
 * Directory operations relative to an open descriptor, never by a path from the root: a directory
 * renamed or swapped for a symlink after it was opened cannot redirect them.
 */

/** A directory's entries by name, and its names that are not valid UTF-8 (shown escaped). */
export interface DirectoryListing {
  entries: Dirent[];
  notUtf8: string[];
}

/**
 * The entries of an open directory, sorted by name, without names that could leave it. Names that
 * are not valid UTF-8 can be neither opened by the name Node decodes (it replaces the bad bytes with
 * U+FFFD) nor written to the manifest: they are listed apart. Only a directory with a U+FFFD in a
 * decoded name is read again as bytes to tell them from valid names that hold U+FFFD.
 */
export async function readSortedEntries(dir: fsp.FileHandle): Promise<DirectoryListing> {
  let entries = await fsp.readdir(fdPath(dir.fd), { withFileTypes: true });
  const notUtf8: string[] = [];
  if (entries.some((d) => d.name.includes('\uFFFD'))) {
    const raw = await fsp.readdir(fdPath(dir.fd), { withFileTypes: true, encoding: 'buffer' });
    entries = [];
    for (const d of raw) {
      if (isUtf8(d.name))
        entries.push(Object.assign(d, { name: d.name.toString('utf8') }) as unknown as Dirent);
      else notUtf8.push(escapeName(d.name));
    }
  }
  // readdir never returns these, but a copy must never leave its directory.
  const safe = entries.filter((d) => isPlainName(d.name));
  return { entries: safe.sort((a, b) => compareNames(a.name, b.name)), notUtf8: notUtf8.sort() };
}

/** A name with the bytes that are not UTF-8 shown as \xNN. */
export function escapeName(name: Buffer): string {
  let out = '';
  for (let i = 0; i < name.length; ) {
    let length = 1;
    while (length <= 4 && !isUtf8(name.subarray(i, i + length))) length++;
    if (length <= 4 && i + length <= name.length) {
      out += name.subarray(i, i + length).toString('utf8');
      i += length;
    } else {
      out += `\\x${name[i]!.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/** Opens a subdirectory without following a symlink swapped in for it (ELOOP or ENOTDIR then). */
export function openChildDirectory(dir: fsp.FileHandle, name: string): Promise<fsp.FileHandle> {
  return fsp.open(fdPath(dir.fd, name), DIR_FLAGS);
}

/** Creates a subdirectory (private until its attributes are set) and opens it. */
export async function createChildDirectory(dir: fsp.FileHandle, name: string): Promise<fsp.FileHandle> {
  await fsp.mkdir(fdPath(dir.fd, name), { mode: 0o700 });
  return fsp.open(fdPath(dir.fd, name), DIR_FLAGS);
}

/** Whether an entry is a directory, looking at it again when readdir could not tell its type. */
export async function isDirectoryEntry(dir: fsp.FileHandle, d: Dirent): Promise<boolean> {
  if (d.isDirectory()) return true;
  if (!isUnknownType(d)) return false;
  try {
    return (await fsp.lstat(fdPath(dir.fd, d.name))).isDirectory();
  } catch {
    return false;
  }
}

function isUnknownType(d: Dirent): boolean {
  return !(
    d.isFile() ||
    d.isDirectory() ||
    d.isSymbolicLink() ||
    d.isFIFO() ||
    d.isSocket() ||
    d.isBlockDevice() ||
    d.isCharacterDevice()
  );
}

function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}
