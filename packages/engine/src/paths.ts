import { randomBytes } from 'node:crypto';

/**
 * Orders relative POSIX paths the way the walk visits them: depth-first, each directory's entries
 * by name (UTF-16 code units), a directory right before its contents. Manifests are written in this
 * order, so two of them can be merged line by line.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // '/' ends a segment, so it sorts before any character inside a name.
    if (ca === 47) return -1;
    if (cb === 47) return 1;
    return ca < cb ? -1 : 1;
  }
  return a.length - b.length;
}

/** Orders names within one directory (consistent with comparePaths). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const SNAPSHOT_NAME = /^(\d{8}T\d{6}Z)-([0-9a-f]{6})$/;
/** `<snapshot name>.manifest.jsonl` sits beside its snapshot. */
export const MANIFEST_SUFFIX = '.manifest.jsonl';
/** Work in progress in a folder's directory: `.staging-<job>-<host>-<pid>-<start>/`, temporary files. */
export const STAGING_PREFIX = '.staging-';
/** Something being removed from a folder's directory: dead by its name, removable by anyone. */
export const TOMBSTONE_PREFIX = '.dead-';

/** A new snapshot name: UTC time to the second, then 6 random hex digits. */
export function newSnapshotName(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function isSnapshotName(name: string): boolean {
  return SNAPSHOT_NAME.test(name);
}

/** The UTC instant a snapshot name was stamped with. */
export function snapshotTime(name: string): Date {
  const m = SNAPSHOT_NAME.exec(name);
  if (!m?.[1]) throw new Error(`not a snapshot name: ${name}`);
  const s = m[1];
  return new Date(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`,
  );
}
