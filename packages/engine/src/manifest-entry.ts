import type { BigIntStats } from 'node:fs';
import type { ExcludedTally } from './filter.js';
import { keptNs } from './times.js';

export const MANIFEST_FORMAT = 'strongbox-manifest';
/**
 * Version 2 adds the job that made the snapshot (header `jobId`) and the rest of its result (in the
 * trailer); readers accept versions 1 and 2.
 */
export const MANIFEST_VERSION = 2;

/** What the source looked like when it was backed up: decides "unchanged" next time. */
export interface SourceRecord {
  dev: string;
  ino: string;
  /** Nanoseconds since the epoch, as a decimal string. */
  mtime: string;
  ctime: string;
}

/** One line of a manifest: an entry of the snapshot as it is on disk. */
export interface ManifestEntry {
  /** Relative POSIX path inside the snapshot; "" is the snapshot's root directory. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** Bytes of a file, or of a symlink's target text; 0 for directories. */
  size: number;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
  /** Modification time in the snapshot, in nanoseconds since the epoch, as a decimal string. */
  mtime: string;
  /** SHA-256 of a file's bytes, lowercase hex (absent when the backup ran with hash: false). */
  hash?: string;
  /** A symlink's target text, unchanged. */
  target?: string;
  src?: SourceRecord;
}

export interface ManifestHeader {
  format: typeof MANIFEST_FORMAT;
  version: number;
  hash: 'sha256' | null;
  folder: string;
  createdAt: string;
  /** The job whose backup made the snapshot (version 2). */
  jobId?: string;
}

export interface ManifestTrailer {
  end: true;
  files: number;
  bytes: number;
  /** The rest of the backup's result, as its job recorded it (version 2). */
  copiedFiles?: number;
  copiedBytes?: number;
  linkedFiles?: number;
  skipped?: number;
  warnings?: string[];
  durationMs?: number;
  /** What the folder's policy left out (absent from manifests written before policies). */
  excluded?: ExcludedTally;
}

/** The stat fields an entry is made from. */
type EntryStats = Pick<BigIntStats, 'mode' | 'mtimeNs'>;
type SourceStats = Pick<BigIntStats, 'dev' | 'ino' | 'mtimeNs' | 'ctimeNs'>;

export function dirEntry(path: string, st: EntryStats): ManifestEntry {
  return { path, type: 'dir', size: 0, mode: permissions(st), mtime: String(keptNs(st.mtimeNs)) };
}

/** A regular file; `st` is the source's, as seen before it was read. */
export function fileEntry(
  path: string,
  st: EntryStats & SourceStats,
  hash: string | undefined,
  size: number,
): ManifestEntry {
  const entry: ManifestEntry = {
    path,
    type: 'file',
    size,
    mode: permissions(st),
    mtime: String(keptNs(st.mtimeNs)),
  };
  if (hash !== undefined) entry.hash = hash;
  entry.src = sourceRecord(st);
  return entry;
}

export function symlinkEntry(path: string, st: EntryStats & SourceStats, target: string): ManifestEntry {
  return {
    path,
    type: 'symlink',
    size: Buffer.byteLength(target),
    mode: permissions(st),
    mtime: String(keptNs(st.mtimeNs)),
    target,
    src: sourceRecord(st),
  };
}

/** One manifest line, without its newline. */
export function manifestLine(line: ManifestHeader | ManifestEntry | ManifestTrailer): string {
  return JSON.stringify(line);
}

/** Permission bits, as the manifest records them. */
export function permissions(st: Pick<BigIntStats, 'mode'>): number {
  return Number(st.mode & 0o7777n);
}

function sourceRecord(st: SourceStats): SourceRecord {
  return { dev: String(st.dev), ino: String(st.ino), mtime: String(st.mtimeNs), ctime: String(st.ctimeNs) };
}
