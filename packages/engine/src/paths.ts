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
