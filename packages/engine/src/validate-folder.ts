import { pathProblem, quote } from '@strongbox/contract';
import { EngineError } from './errors.js';

/**
 * Checks a folder (or restore target, or path inside a snapshot) given relative to a root, by the
 * contract's one folder rule.
 * @returns null when it is acceptable, else a message saying what to fix.
 */
export function validateFolder(folder: string): string | null {
  if (typeof folder !== 'string') return 'The folder must be a string';
  return pathProblem(folder);
}

/** Throws INVALID_FOLDER, naming the value, when {@link validateFolder} refuses it. */
export function assertValidFolder(folder: string): void {
  const invalid = validateFolder(folder);
  if (invalid) throw new EngineError('INVALID_FOLDER', `${invalid}: ${quote(folder)}`);
}
