import { errnoOf } from './errors.js';

/**
 * Errors that come from the source changing or refusing to be read (a file vanished, was replaced by
 * a symlink or a FIFO, is locked or unreadable): one entry is skipped with a warning. Any other
 * error stops the operation.
 */
const SOURCE_PROBLEMS = new Set([
  'ENOENT',
  'ENOTDIR',
  'ELOOP',
  'EACCES',
  'EPERM',
  'ENXIO',
  'EWOULDBLOCK',
  'EAGAIN',
]);

export function isSourceProblem(error: unknown): boolean {
  const code = errnoOf(error);
  return code !== undefined && SOURCE_PROBLEMS.has(code);
}
