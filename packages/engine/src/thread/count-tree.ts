import fs from 'node:fs';
import { DIR_FLAGS, fdPath } from '../fd-path.js';
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
 * then listed through its own descriptor: a directory swapped for a symlink is never entered.
 */
export function countTree(
  task: CountTask,
  context: Pick<TaskContext, 'checkCancel'>,
  hooks: CountHooks = {},
): CountResult {
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
      for (let ent = dir.readSync(); ent !== null; ent = dir.readSync()) {
        context.checkCancel();
        const inside = `${dirPath}/${ent.name}`;
        if (ent.isDirectory()) {
          const childRel = rel === '' ? ent.name : `${rel}/${ent.name}`;
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
        } else if (ent.isSymbolicLink()) {
          files++;
        } else if (ent.isFile()) {
          files++;
          try {
            bytes += fs.lstatSync(inside).size;
          } catch {}
        }
      }
    } finally {
      dir.closeSync();
    }
  };
  walk(task.root, '');
  return { files, bytes };
}
