import { constants } from 'node:fs';

/** Opens a directory without following a symlink in its place. */
export const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * A path that reaches the directory open as `fd` itself (or `name` inside it), whatever was renamed
 * or swapped since it was opened: the kernel resolves `/proc/self/fd/N` to the open directory.
 */
export function fdPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}
