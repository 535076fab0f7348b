import { createHash } from 'node:crypto';
import fs, { type BigIntStats } from 'node:fs';
import { errnoOf } from '../errors.js';
import { fileEntry, type ManifestEntry, manifestLine, permissions, symlinkEntry } from '../manifest-entry.js';
import { Laps } from '../profile.js';
import { isSourceProblem } from '../source-problem.js';
import { newTally } from '../tally.js';
import { utimeSeconds } from '../times.js';
import { CHUNK, chunkBuffer } from './chunk.js';
import { type TaskContext, TaskFailure } from './context.js';
import type { BatchResult, BatchTask } from './messages.js';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
/** Never follows a symlink, and never blocks on a FIFO swapped in for a file. */
export const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const WRITE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/**
 * Copies a batch of one directory's files and symlinks with synchronous calls (the thread has
 * nothing else to do meanwhile), hard-linking files unchanged since the previous snapshot.
 * Returns their manifest lines in entry order, and the tally.
 */
export function copyBatch(task: BatchTask, context: TaskContext): BatchResult {
  const out: BatchResult = { ...newTally(), lines: [] };
  // Timed only when profiling: nothing is measured otherwise.
  const laps = task.profile ? new Laps() : null;
  for (const entry of task.entries) {
    context.checkCancel();
    const rel = task.relDir === '' ? entry.name : `${task.relDir}/${entry.name}`;
    const src = `${task.srcDir}/${entry.name}`;
    const dest = `${task.destDir}/${entry.name}`;
    if (entry.file && !entry.prev) {
      // The common case costs no lstat: open without following, then fstat what was opened.
      if (copyFile(src, dest, rel, null, task, out, context, laps)) continue;
    }
    let st: BigIntStats;
    laps?.reset();
    try {
      st = fs.lstatSync(src, { bigint: true });
      laps?.lap('open+read');
    } catch (error) {
      if (!isSourceProblem(error)) throw new TaskFailure('examining', rel, error);
      out.skipped++;
      out.warnings.push(
        `${errnoOf(error) === 'ENOENT' ? 'file has vanished' : `cannot read (${errnoOf(error)})`}: ${rel}`,
      );
      continue;
    }
    if (st.isSymbolicLink()) {
      copySymlink(src, dest, rel, st, out);
    } else if (st.isFile() && isTooLarge(st.size, task, out)) {
      laps?.lap('open+read');
    } else if (st.isFile()) {
      const prev = entry.prev;
      if (prev && unchanged(prev, st) && linkFromPrevious(task.prevDir, entry.name, prev, dest, rel)) {
        laps?.lap('link');
        out.files++;
        out.bytes += prev.size;
        out.linkedFiles++;
        out.lines.push(manifestLine(fileEntry(rel, st, prev.hash, prev.size)));
        laps?.lap('manifest');
        continue;
      }
      if (!copyFile(src, dest, rel, st, task, out, context, laps)) {
        out.skipped++;
        out.warnings.push(`replaced during the backup, skipped: ${rel}`);
      }
    } else if (st.isDirectory()) {
      out.skipped++;
      out.warnings.push(`changed into a directory during the backup, skipped: ${rel}`);
    } else {
      out.skipped++;
      out.warnings.push(`skipped special file (${specialKind(st)}): ${rel}`);
    }
  }
  if (laps) out.profile = laps.times;
  return out;
}

/** Whether the file is over the policy's size limit; if so it is counted as left out, not copied. */
function isTooLarge(size: bigint, task: BatchTask, out: BatchResult): boolean {
  if (task.maxFileSize === null || size <= task.maxFileSize) return false;
  out.excluded.bySize++;
  out.excluded.bySizeBytes += Number(size);
  return true;
}

function specialKind(st: BigIntStats): string {
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice()) return 'block device';
  if (st.isCharacterDevice()) return 'character device';
  return 'unknown type';
}

/** True when the source is as the previous manifest recorded it: the file need not be read again. */
function unchanged(prev: ManifestEntry, st: BigIntStats): boolean {
  const s = prev.src;
  return (
    prev.type === 'file' &&
    s !== undefined &&
    prev.size === Number(st.size) &&
    prev.mode === permissions(st) &&
    s.mtime === String(st.mtimeNs) &&
    s.ctime === String(st.ctimeNs) &&
    s.ino === String(st.ino) &&
    s.dev === String(st.dev)
  );
}

/** Hard-links the previous snapshot's file if it is still there as recorded; false to copy instead. */
function linkFromPrevious(
  prevDir: string | null,
  name: string,
  prev: ManifestEntry,
  dest: string,
  rel: string,
): boolean {
  if (!prevDir) return false;
  const from = `${prevDir}/${name}`;
  try {
    const ps = fs.lstatSync(from, { bigint: true });
    if (!ps.isFile() || Number(ps.size) !== prev.size || String(ps.mtimeNs) !== prev.mtime) return false;
    fs.linkSync(from, dest);
    return true;
  } catch (error) {
    // Missing, or too many links (EMLINK): fall back to a copy.
    if (['ENOENT', 'EMLINK', 'ENOTDIR', 'EPERM'].includes(errnoOf(error) ?? '')) return false;
    throw new TaskFailure('hard-linking', rel, error);
  }
}

function copySymlink(src: string, dest: string, rel: string, st: BigIntStats, out: BatchResult): void {
  let target: string;
  try {
    target = fs.readlinkSync(src);
  } catch (error) {
    if (!isSourceProblem(error) && errnoOf(error) !== 'EINVAL')
      throw new TaskFailure('reading the symlink', rel, error);
    out.skipped++;
    out.warnings.push(`file has vanished: ${rel}`);
    return;
  }
  try {
    fs.symlinkSync(target, dest);
    fs.lutimesSync(dest, utimeSeconds(st.atimeNs), utimeSeconds(st.mtimeNs));
  } catch (error) {
    throw new TaskFailure('creating the symlink', rel, error);
  }
  out.files++;
  out.lines.push(manifestLine(symlinkEntry(rel, st, target)));
}

/**
 * Copies and hashes one regular file in a single read pass. `st` is the lstat seen by the walk, or
 * null when none was made. Returns false, having written nothing, when what it opened is not that
 * regular file (it changed type: the caller looks again).
 */
function copyFile(
  src: string,
  dest: string,
  rel: string,
  st: BigIntStats | null,
  task: BatchTask,
  out: BatchResult,
  context: TaskContext,
  laps: Laps | null,
): boolean {
  let input: number;
  laps?.reset();
  try {
    input = fs.openSync(src, READ_FLAGS);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ELOOP' || code === 'ENXIO' || code === 'EISDIR') return false;
    if (!isSourceProblem(error)) throw new TaskFailure('opening', rel, error);
    out.skipped++;
    out.warnings.push(code === 'ENOENT' ? `file has vanished: ${rel}` : `cannot read (${code}): ${rel}`);
    return true;
  }
  let output: number | undefined;
  try {
    const before = fs.fstatSync(input, { bigint: true });
    if (!before.isFile() || (st !== null && (before.dev !== st.dev || before.ino !== st.ino))) return false;
    if (st === null && isTooLarge(before.size, task, out)) return true;
    const mode = permissions(before);
    laps?.lap('open+read');
    try {
      output = fs.openSync(dest, WRITE_FLAGS, mode | 0o200);
    } catch (error) {
      throw new TaskFailure('creating', rel, error);
    }
    laps?.lap('write');
    const hash = task.hash ? createHash('sha256') : null;
    const expected = Number(before.size);
    let size = 0;
    // Read the size that fstat gave, as a consistent point; growth afterwards is the next backup's.
    while (size < expected) {
      context.checkCancel();
      let n: number;
      try {
        n = fs.readSync(input, chunkBuffer, 0, Math.min(CHUNK, expected - size), null);
      } catch (error) {
        throw new TaskFailure('reading', rel, error);
      }
      laps?.lap('open+read');
      if (n === 0) break;
      const chunk = n === CHUNK ? chunkBuffer : chunkBuffer.subarray(0, n);
      hash?.update(chunk);
      laps?.lap('hash');
      writeAll(output, chunk, rel);
      laps?.lap('write');
      size += n;
      context.progress(n);
    }
    if (size !== expected) out.warnings.push(`changed while being read: ${rel}`);
    try {
      // open(2) applied the umask and our added owner-write bit; fix the mode only where needed.
      if (((mode | 0o200) & ~context.umask & 0o777) !== mode) fs.fchmodSync(output, mode);
      fs.futimesSync(output, utimeSeconds(before.atimeNs), utimeSeconds(before.mtimeNs));
    } catch (error) {
      throw new TaskFailure('setting attributes of', rel, error);
    }
    laps?.lap('write');
    out.files++;
    out.bytes += size;
    out.copiedFiles++;
    out.copiedBytes += size;
    // The source record is the state before reading: a change during the read (ctime moves) makes
    // the next backup copy the file again.
    const digest = hash?.digest('hex');
    laps?.lap('hash');
    out.lines.push(manifestLine(fileEntry(rel, before, digest, size)));
    laps?.lap('manifest');
    return true;
  } finally {
    fs.closeSync(input);
    laps?.lap('open+read');
    if (output !== undefined) fs.closeSync(output);
    laps?.lap('write');
  }
}

function writeAll(fd: number, chunk: Buffer, rel: string): void {
  let offset = 0;
  while (offset < chunk.length) {
    try {
      offset += fs.writeSync(fd, chunk, offset, chunk.length - offset);
    } catch (error) {
      throw new TaskFailure('writing', rel, error);
    }
  }
}
