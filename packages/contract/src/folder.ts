import { z } from 'zod';

/** Longest folder, target or path accepted, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 1000;

/** Longest name of one directory entry, in UTF-8 bytes: what Linux filesystems can hold. */
export const MAX_NAME_BYTES = 255;

/**
 * What a relative path names: the folder of a backup, the target of a restore (both under
 * SOURCE_ROOT), or a path inside a snapshot.
 */
export type PathSubject = 'folder' | 'target' | 'path';

/** The error code a request gets when its folder, target or path breaks the rule. */
export const PATH_ERROR_CODES = {
  folder: 'INVALID_FOLDER',
  target: 'INVALID_TARGET',
  path: 'INVALID_PATH',
} as const satisfies Record<PathSubject, string>;

const ROOT_OF: Record<PathSubject, string> = {
  folder: 'the source root',
  target: 'the source root',
  path: 'the snapshot',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * The one rule for a relative path given by a client: not empty, well-formed Unicode (a lone
 * surrogate would silently become U+FFFD and name another folder), no NUL or control characters,
 * at most {@link MAX_PATH_BYTES} bytes, not absolute, no empty, `.` or `..` segments, and no segment
 * longer than {@link MAX_NAME_BYTES} bytes.
 *
 * @returns null when the path is acceptable, else a sentence saying what to fix.
 */
export function pathProblem(value: string, subject: PathSubject = 'folder'): string | null {
  const the = `The ${subject}`;
  if (value.length === 0) return `${the} must not be empty`;
  if (!value.isWellFormed()) return `${the} must be well-formed Unicode: it has a lone surrogate`;
  if (CONTROL_CHARS.test(value)) return `${the} must not contain NUL or control characters`;
  if (Buffer.byteLength(value, 'utf8') > MAX_PATH_BYTES) {
    return `${the} must be at most ${MAX_PATH_BYTES} bytes long`;
  }
  if (value.startsWith('/')) return `${the} must be relative to ${ROOT_OF[subject]}, not absolute`;
  for (const segment of value.split('/')) {
    if (segment === '') return `${the} must not have empty segments (leading, trailing or double "/")`;
    if (segment === '.' || segment === '..') return `${the} must not have "." or ".." segments`;
    if (Buffer.byteLength(segment, 'utf8') > MAX_NAME_BYTES) {
      return `${the} must not have a segment longer than ${MAX_NAME_BYTES} bytes`;
    }
  }
  return null;
}

/**
 * A value as a JSON string for a message, cut to its first `max` characters: an answer never
 * echoes more than a bounded piece of what the client sent.
 */
export function quote(value: string, max = 100): string {
  const characters = Array.from(value);
  if (characters.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(characters.slice(0, max).join(''))}… (${characters.length} characters)`;
}

function relativePathSchema(subject: PathSubject, description: string) {
  return z
    .string()
    .check((ctx) => {
      const problem = pathProblem(ctx.value, subject);
      if (problem === null) return;
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `${problem}: got ${quote(ctx.value)}`,
        params: { code: PATH_ERROR_CODES[subject] },
      });
    })
    .meta({
      description:
        `${description}; 1 to ${MAX_PATH_BYTES} bytes of well-formed UTF-8, no NUL or control characters, ` +
        `not absolute, no empty, "." or ".." segments, no segment over ${MAX_NAME_BYTES} bytes`,
      minLength: 1,
    });
}

/** A backup's folder, relative to SOURCE_ROOT; refused with INVALID_FOLDER. */
export const folderSchema = relativePathSchema('folder', 'relative to SOURCE_ROOT, e.g. photos/2024');

/** Where a restore writes, relative to SOURCE_ROOT; refused with INVALID_TARGET. */
export const targetSchema = relativePathSchema(
  'target',
  'where to restore, relative to SOURCE_ROOT; must not exist yet',
);

/** One file or directory inside a snapshot; refused with INVALID_PATH. */
export const pathSchema = relativePathSchema(
  'path',
  'one path inside the snapshot; the whole snapshot when absent',
);
