import { EngineError } from '../errors.js';

/**
 * Where a repository's objects are put and got: a directory (`file://`) or a bucket prefix on
 * S3-compatible storage. Names are the format's object names (docs/repository.md, "The objects"),
 * relative to the repository's root; every method refuses any other name with an
 * {@link InvalidObjectNameError} before it touches the storage.
 */
export interface ObjectStore {
  /** Stores `bytes` under `name`, replacing what was there; resolves once they are durable. */
  put(name: string, bytes: Uint8Array): Promise<void>;
  /**
   * Stores `bytes` under `name` only if nothing is there yet: the single commit point of a
   * snapshot. Of any number of racing writers of one name exactly one gets `'written'`; the
   * others get `'exists'` and the stored bytes stay the winner's.
   */
  putIfAbsent(name: string, bytes: Uint8Array): Promise<PutIfAbsentResult>;
  /** The object's bytes. @throws ObjectNotFoundError when there is none. */
  get(name: string): Promise<Buffer>;
  /**
   * `length` bytes of the object from `offset`: fewer when it ends sooner, none when `offset` is at
   * or past its end. @throws ObjectNotFoundError when there is no such object.
   */
  getRange(name: string, offset: number, length: number): Promise<Buffer>;
  /** The object's size in bytes, or undefined when there is none. */
  head(name: string): Promise<number | undefined>;
  /**
   * Every object whose name starts with `prefix` (`''`, or a name ending in `/` or not), fetched
   * page by page as the iteration goes; in no promised order.
   */
  list(prefix: string): AsyncIterable<ObjectEntry>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(name: string): Promise<void>;
}

export type PutIfAbsentResult = 'written' | 'exists';

export interface ObjectEntry {
  name: string;
  size: number;
}

/** There is no object by this name. A repository missing one it references is damaged. */
export class ObjectNotFoundError extends EngineError {
  constructor(readonly objectName: string) {
    super('REPOSITORY_DAMAGED', `Repository damaged: object ${objectName} is missing`);
    this.name = 'ObjectNotFoundError';
  }
}

/** A name that is not one the format uses: a bug in the caller, never sent to the storage. */
export class InvalidObjectNameError extends Error {
  constructor(
    readonly objectName: string,
    reason: string,
  ) {
    super(`Invalid object name ${JSON.stringify(objectName)}: ${reason}`);
    this.name = 'InvalidObjectNameError';
  }
}

/** The longest name accepted: S3 keys end at 1024 bytes, with room left for the prefix. */
export const MAX_OBJECT_NAME_LENGTH = 512;

// The characters of config, keys/<hex>, data|tree/<2 hex>/<hex> and snapshots/<job id>.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * Checks that `name` is an object name: segments of letters, digits, `.`, `_` and `-` joined by
 * `/`, none empty and none starting with `.` (so no `.` or `..`, and no name a file store's
 * temporary files could take), no leading or trailing `/`.
 * @throws InvalidObjectNameError
 */
export function checkObjectName(name: string): string {
  if (name === '') throw new InvalidObjectNameError(name, 'it is empty');
  if (name.length > MAX_OBJECT_NAME_LENGTH)
    throw new InvalidObjectNameError(name, `it is longer than ${MAX_OBJECT_NAME_LENGTH} characters`);
  if (name.startsWith('/')) throw new InvalidObjectNameError(name, 'it starts with "/"');
  for (const segment of name.split('/')) {
    if (!SEGMENT.test(segment)) {
      throw new InvalidObjectNameError(
        name,
        'each "/"-separated part must be letters, digits, ".", "_" or "-", not empty and not starting with "."',
      );
    }
  }
  return name;
}

/** Whether `name` is an object name (see {@link checkObjectName}). */
export function isObjectName(name: string): boolean {
  try {
    checkObjectName(name);
    return true;
  } catch {
    return false;
  }
}

/** Checks a listing prefix: empty, or an object name, or one followed by `/`. */
export function checkObjectPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  checkObjectName(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

/** Checks a range request's numbers. @throws RangeError */
export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError(`offset must be a whole number ≥ 0: got ${offset}`);
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RangeError(`length must be a whole number ≥ 0: got ${length}`);
}

/** Storage that did not answer, or refused us: no such bucket, access denied, retries spent. */
export function repositoryUnavailable(
  message: string,
  options: { transient: boolean; cause?: unknown },
): EngineError {
  return new EngineError('REPOSITORY_UNAVAILABLE', `Repository unavailable: ${message}`, options);
}
