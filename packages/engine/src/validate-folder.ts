import { EngineError } from './errors.js';

const MAX_FOLDER_BYTES = 1000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Checks a folder (or restore target, or path inside a snapshot) given relative to a root.
 * @returns null when it is acceptable, else a message saying what to fix.
 */
export function validateFolder(folder: string): string | null {
  if (typeof folder !== 'string' || folder.length === 0) return 'The folder must not be empty';
  if (CONTROL_CHARS.test(folder)) return 'The folder must not contain NUL or control characters';
  if (Buffer.byteLength(folder, 'utf8') > MAX_FOLDER_BYTES) {
    return `The folder must be at most ${MAX_FOLDER_BYTES} bytes long`;
  }
  if (folder.startsWith('/')) return 'The folder must be relative to the source root, not absolute';
  for (const segment of folder.split('/')) {
    if (segment === '') return 'The folder must not have empty segments (leading, trailing or double "/")';
    if (segment === '.' || segment === '..') return 'The folder must not have "." or ".." segments';
  }
  return null;
}

/** Throws INVALID_FOLDER, naming the value, when {@link validateFolder} refuses it. */
export function assertValidFolder(folder: string): void {
  const invalid = validateFolder(folder);
  if (invalid) throw new EngineError('INVALID_FOLDER', `${invalid}: ${JSON.stringify(folder)}`);
}
