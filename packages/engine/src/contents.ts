import { EngineError } from './errors.js';
import type { ContentChange, ContentEntry } from './repository/repository.js';

/**
 * What the two repositories share in reading a snapshot's contents: the errors a path meets, and
 * how two entries at one path compare (docs/engine.md, "Reading a snapshot's contents").
 */

export function noSuchPath(snapshot: string, path: string): EngineError {
  return new EngineError('NO_SUCH_PATH', `No such path in snapshot ${snapshot}: ${path}`);
}

export function notADirectory(snapshot: string, path: string): EngineError {
  return new EngineError('NOT_A_DIRECTORY', `Not a directory in snapshot ${snapshot}: ${path}`);
}

export function notAFile(snapshot: string, path: string, type: string): EngineError {
  return new EngineError('NOT_A_FILE', `Not a file in snapshot ${snapshot}: ${path} is a ${typeName(type)}`);
}

function typeName(type: string): string {
  return type === 'dir' ? 'directory' : type === 'symlink' ? 'symbolic link' : 'special file';
}

/** An entry at a path of one snapshot, as a diff compares it. */
export interface Side {
  type: ContentEntry['type'];
  size: number;
  mode: number;
}

/** `added` or `removed` of one entry. */
export function oneSided(path: string, change: 'added' | 'removed', side: Side): ContentChange {
  return { path, change, type: side.type, size: side.size };
}

/**
 * How a path that is no directory in either snapshot changed: `changed` when its type, its content
 * (`sameContent`, which each repository decides its own way) or its permission bits differ.
 */
export function pairChange(path: string, before: Side, after: Side, sameContent: boolean): ContentChange[] {
  if (before.type === after.type && sameContent && before.mode === after.mode) return [];
  return [{ path, change: 'changed', type: after.type, size: after.size, previousSize: before.size }];
}
