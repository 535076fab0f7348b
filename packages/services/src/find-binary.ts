import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MissingBinaryError } from './missing-binary-error.js';

// Server binaries live in sbin directories, which are often not on a non-root PATH.
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin'];

/**
 * The absolute path of the first of `names` found on PATH or in the sbin directories.
 * @throws MissingBinaryError naming `debianPackage` when none is found.
 */
export function findBinary(names: readonly string[], debianPackage: string): string {
  const found = lookUp(names);
  if (found === undefined) throw new MissingBinaryError(names, debianPackage);
  return found;
}

/** Like {@link findBinary}, but `undefined` when none of `names` is installed. */
export function lookUp(names: readonly string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
