import fs from 'node:fs';
import { DIR_FLAGS, fdPath } from '../fd-path.js';
import { PathFilter } from '../filter.js';
import type { TaskContext } from './context.js';
import type { CountResult, CountTask } from './messages.js';

/** Points at which tests can change the tree mid-count. @internal */
export interface CountHooks {
  /** Called after a directory was listed and before a subdirectory of it is opened. */
  beforeOpenDirectory?: (relativePath: string) => void;
}

/**
 * Counts non-directory entries (files and symlinks) and regular-file bytes. Like the copy, every
 * directory is opened relative to its parent's open descriptor without following a symlink, and
 * then listed through its own descriptor: a directory swapped for a symlink is never entered. With
 * the folder's policy (`task.filter`) it leaves out what the copy leaves out: paths an exclude
 * pattern matches, directories that hold a marker, files over the size limit.
 */
export function countTree(
  task: CountTask,
  context: Pick<TaskContext, 'checkCancel'>,
  hooks: CountHooks = {},
): CountResult {
  const filter = PathFilter.of(task.filter);
  let files = 0;
  let bytes = 0;
  const walk = (dirPath: string, rel: string) => {
    let dir: fs.Dir;
    try {
      dir = fs.opendirSync(dirPath, { bufferSize: 256 });
    } catch {
      return;
    }
    try {
      // With markers the whole listing is read first: a directory holding one counts nothing.
      const listed = filter?.markers ? readAll(dir) : null;
      if (listed && filter?.markerAmong(listed) !== undefined) return;
      let index = 0;
      const next = listed ? () => listed[index++] ?? null : () => dir.readSync();
      for (let ent = next(); ent !== null; ent = next()) {
        context.checkCancel();
        const inside = `${dirPath}/${ent.name}`;
        const childRel = rel === '' ? ent.name : `${rel}/${ent.name}`;
        if (ent.isDirectory()) {
          if (filter?.excludesDirectory(childRel)) continue;
          hooks.beforeOpenDirectory?.(childRel);
          let fd: number;
          try {
            fd = fs.openSync(inside, DIR_FLAGS);
          } catch {
            continue;
          }
          try {
            walk(fdPath(fd), childRel);
          } finally {
            fs.closeSync(fd);
          }
        } else if ((ent.isSymbolicLink() || ent.isFile()) && filter?.excludesFile(childRel)) {
        } else if (ent.isSymbolicLink()) {
          files++;
        } else if (ent.isFile()) {
          try {
            const size = fs.lstatSync(inside).size;
            if (filter?.tooLarge(size)) continue;
            bytes += size;
          } catch {}
          files++;
        }
      }
    } finally {
      dir.closeSync();
    }
  };
  walk(task.root, '');
  return { files, bytes };
}

function readAll(dir: fs.Dir): fs.Dirent[] {
  const entries: fs.Dirent[] = [];
  for (let ent = dir.readSync(); ent !== null; ent = dir.readSync()) entries.push(ent);
  return entries;
}
