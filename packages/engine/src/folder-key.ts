import { createHash } from 'node:crypto';
import { EngineError } from './errors.js';
import { validateFolder } from './validate-folder.js';

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
