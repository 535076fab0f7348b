// Worker thread of the engine: copies, hashes and counts with synchronous calls so that the work
// stays off the caller's event loop. Plain JavaScript so that the same file runs from src (tests)
// and dist. Paths it receives are anchored at directory descriptors the main thread holds open
// (`/proc/self/fd/N/name`), so a directory swapped for a symlink cannot redirect it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY } = fs.constants;
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const WRITE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
const CHUNK = 1024 * 1024;
const PROGRESS_EVERY = 8 * CHUNK;
/** The current task's flag (an Int32Array over a SharedArrayBuffer): non-zero once its caller cancels. */
let cancel = new Int32Array(4);
const buffer = Buffer.allocUnsafe(CHUNK);
/** Permission bits open(2) can set by itself; others need an fchmod. */
const umask = workerData.umask ?? 0o022;

class FatalError extends Error {}
class Cancelled extends Error {}

parentPort.on('message', (task) => {
  cancel = new Int32Array(task.cancel);
  try {
    let result;
    if (task.kind === 'batch') result = copyBatch(task);
    else if (task.kind === 'count') result = countTree(task.root);
    else if (task.kind === 'hash') result = hashFile(task.path);
    else throw new Error(`unknown task ${task.kind}`);
    parentPort.postMessage({ id: task.id, ok: true, result });
  } catch (error) {
    const cancelled = error instanceof Cancelled;
    const cause = error instanceof FatalError ? error.cause : error;
    parentPort.postMessage({
      id: task.id,
      ok: false,
      cancelled,
      error: { message: cause?.message ?? String(cause), code: cause?.code, path: cause?.path },
    });
  }
});

function checkCancel() {
  if (Atomics.load(cancel, 0) !== 0) throw new Cancelled('cancelled');
}

/** Microsecond-truncated ns, as Node's utimes keeps it. */
function keptNs(ns) {
  return (ns / 1000n) * 1000n;
}

/** Seconds for utimes that land exactly on the kept microsecond despite float rounding. */
function utimeSeconds(ns) {
  const us = ns / 1000n;
  const sec = us / 1000000n;
  const frac = us % 1000000n;
  return Number(sec) + (Number(frac) + 0.5) / 1e6;
}

function sourceRecord(st) {
  return { dev: String(st.dev), ino: String(st.ino), mtime: String(st.mtimeNs), ctime: String(st.ctimeNs) };
}

function join(dir, name) {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Source-side errors are per-file warnings; anything else stops the backup. */
function isSourceProblem(error) {
  return ['ENOENT', 'ENOTDIR', 'ELOOP', 'EACCES', 'EPERM', 'ENXIO', 'EWOULDBLOCK', 'EAGAIN'].includes(
    error?.code,
  );
}

/**
 * task: { srcDir, destDir, relDir, prevDir|null, hash, entries: [{ name, prev|null }] }
 * Returns manifest lines (in entry order) and counters.
 */
function copyBatch(task) {
  const out = {
    lines: [],
    files: 0,
    bytes: 0,
    copiedFiles: 0,
    copiedBytes: 0,
    linkedFiles: 0,
    skipped: 0,
    warnings: [],
  };
  let sinceProgress = 0;
  const progress = (bytes) => {
    sinceProgress += bytes;
    if (sinceProgress >= PROGRESS_EVERY) {
      parentPort.postMessage({ id: task.id, progress: sinceProgress });
      sinceProgress = 0;
    }
  };
  for (const entry of task.entries) {
    checkCancel();
    const rel = join(task.relDir, entry.name);
    const src = `${task.srcDir}/${entry.name}`;
    const dest = `${task.destDir}/${entry.destName ?? entry.name}`;
    if (entry.file && !entry.prev) {
      // The common case costs no lstat: open without following, then fstat what was opened.
      if (copyFile(src, dest, rel, null, task.hash, out, progress)) continue;
    }
    let st;
    try {
      st = fs.lstatSync(src, { bigint: true });
    } catch (error) {
      if (!isSourceProblem(error)) throw new FatalError('lstat', { cause: error });
      out.skipped++;
      out.warnings.push(
        `${error.code === 'ENOENT' ? 'file has vanished' : `cannot read (${error.code})`}: ${rel}`,
      );
      continue;
    }
    if (st.isSymbolicLink()) {
      copySymlink(src, dest, rel, st, out);
    } else if (st.isFile()) {
      const prev = entry.prev;
      if (prev && unchanged(prev, st) && linkFromPrevious(task.prevDir, entry.name, prev, dest)) {
        out.files++;
        out.bytes += prev.size;
        out.linkedFiles++;
        out.lines.push(JSON.stringify(fileLine(rel, st, prev.hash, prev.size)));
        continue;
      }
      if (!copyFile(src, dest, rel, st, task.hash, out, progress)) {
        out.skipped++;
        out.warnings.push(`replaced during the backup, skipped: ${rel}`);
      }
    } else if (st.isDirectory()) {
      out.skipped++;
      out.warnings.push(`changed into a directory during the backup, skipped: ${rel}`);
    } else {
      out.skipped++;
    }
  }
  return out;
}

function fileLine(rel, st, hash, size) {
  const line = {
    path: rel,
    type: 'file',
    size,
    mode: Number(st.mode & 0o7777n),
    mtime: String(keptNs(st.mtimeNs)),
  };
  if (hash !== undefined) line.hash = hash;
  line.src = sourceRecord(st);
  return line;
}

function unchanged(prev, st) {
  const s = prev.src;
  return (
    prev.type === 'file' &&
    s !== undefined &&
    prev.size === Number(st.size) &&
    prev.mode === Number(st.mode & 0o7777n) &&
    s.mtime === String(st.mtimeNs) &&
    s.ctime === String(st.ctimeNs) &&
    s.ino === String(st.ino) &&
    s.dev === String(st.dev)
  );
}

/** Hard-links the previous snapshot's file if it is still there as recorded; false to copy instead. */
function linkFromPrevious(prevDir, name, prev, dest) {
  if (!prevDir) return false;
  const from = `${prevDir}/${name}`;
  try {
    const ps = fs.lstatSync(from, { bigint: true });
    if (!ps.isFile() || Number(ps.size) !== prev.size || String(ps.mtimeNs) !== prev.mtime) return false;
    fs.linkSync(from, dest);
    return true;
  } catch (error) {
    // Missing, or too many links (EMLINK): fall back to a copy.
    if (['ENOENT', 'EMLINK', 'ENOTDIR', 'EPERM'].includes(error?.code)) return false;
    throw new FatalError('link', { cause: error });
  }
}

function copySymlink(src, dest, rel, st, out) {
  let target;
  try {
    target = fs.readlinkSync(src);
  } catch (error) {
    if (!isSourceProblem(error) && error?.code !== 'EINVAL')
      throw new FatalError('readlink', { cause: error });
    out.skipped++;
    out.warnings.push(`file has vanished: ${rel}`);
    return;
  }
  try {
    fs.symlinkSync(target, dest);
    const t = utimeSeconds(st.mtimeNs);
    fs.lutimesSync(dest, utimeSeconds(st.atimeNs), t);
  } catch (error) {
    throw new FatalError('symlink', { cause: error });
  }
  out.files++;
  out.lines.push(
    JSON.stringify({
      path: rel,
      type: 'symlink',
      size: Buffer.byteLength(target),
      mode: Number(st.mode & 0o7777n),
      mtime: String(keptNs(st.mtimeNs)),
      target,
      src: sourceRecord(st),
    }),
  );
}

/**
 * Copies and hashes one regular file in a single read pass. `st` is the lstat seen by the walk, or
 * null when none was made. Returns false, having written nothing, when what it opened is not that
 * regular file (it changed type: the caller looks again).
 */
function copyFile(src, dest, rel, st, hashing, out, progress) {
  let input;
  try {
    input = fs.openSync(src, READ_FLAGS);
  } catch (error) {
    if (error?.code === 'ELOOP' || error?.code === 'ENXIO' || error?.code === 'EISDIR') return false;
    if (!isSourceProblem(error)) throw new FatalError('open', { cause: error });
    out.skipped++;
    out.warnings.push(
      error.code === 'ENOENT' ? `file has vanished: ${rel}` : `cannot read (${error.code}): ${rel}`,
    );
    return true;
  }
  let output;
  try {
    const before = fs.fstatSync(input, { bigint: true });
    if (!before.isFile() || (st !== null && (before.dev !== st.dev || before.ino !== st.ino))) return false;
    const mode = Number(before.mode & 0o7777n);
    try {
      output = fs.openSync(dest, WRITE_FLAGS, mode | 0o200);
    } catch (error) {
      throw new FatalError('create', { cause: error });
    }
    const hash = hashing ? createHash('sha256') : null;
    const expected = Number(before.size);
    let size = 0;
    // Read the size that fstat gave, as a consistent point; growth afterwards is the next backup's.
    while (size < expected) {
      checkCancel();
      let n;
      try {
        n = fs.readSync(input, buffer, 0, Math.min(CHUNK, expected - size), null);
      } catch (error) {
        throw new FatalError('read', { cause: error });
      }
      if (n === 0) break;
      const chunk = n === CHUNK ? buffer : buffer.subarray(0, n);
      hash?.update(chunk);
      writeAll(output, chunk);
      size += n;
      progress(n);
    }
    if (size !== expected) out.warnings.push(`changed while being read: ${rel}`);
    try {
      // open(2) applied the umask and our added owner-write bit; fix the mode only where needed.
      if (((mode | 0o200) & ~umask & 0o777) !== mode) fs.fchmodSync(output, mode);
      fs.futimesSync(output, utimeSeconds(before.atimeNs), utimeSeconds(before.mtimeNs));
    } catch (error) {
      throw new FatalError('set attributes', { cause: error });
    }
    out.files++;
    out.bytes += size;
    out.copiedFiles++;
    out.copiedBytes += size;
    // The source record is the state before reading: a change during the read (ctime moves) makes
    // the next backup copy the file again.
    out.lines.push(JSON.stringify(fileLine(rel, before, hash?.digest('hex'), size)));
    return true;
  } finally {
    fs.closeSync(input);
    if (output !== undefined) fs.closeSync(output);
  }
}

function writeAll(fd, chunk) {
  let offset = 0;
  while (offset < chunk.length) {
    try {
      offset += fs.writeSync(fd, chunk, offset, chunk.length - offset);
    } catch (error) {
      throw new FatalError('write', { cause: error });
    }
  }
}

/** Counts non-directory entries (files and symlinks) and regular-file bytes, never following links. */
function countTree(root) {
  let files = 0;
  let bytes = 0;
  const walk = (dirPath) => {
    let dir;
    try {
      dir = fs.opendirSync(dirPath, { bufferSize: 256 });
    } catch {
      return;
    }
    try {
      for (let ent = dir.readSync(); ent !== null; ent = dir.readSync()) {
        checkCancel();
        const p = `${dirPath}/${ent.name}`;
        if (ent.isDirectory()) {
          // Opened again below without following a symlink swapped in meanwhile.
          let fd;
          try {
            fd = fs.openSync(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
          } catch {
            continue;
          }
          fs.closeSync(fd);
          walk(p);
        } else if (ent.isSymbolicLink()) {
          files++;
        } else if (ent.isFile()) {
          files++;
          try {
            bytes += fs.lstatSync(p).size;
          } catch {}
        }
      }
    } finally {
      dir.closeSync();
    }
  };
  walk(root);
  return { files, bytes };
}

function hashFile(path) {
  const fd = fs.openSync(path, READ_FLAGS);
  try {
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      checkCancel();
      const n = fs.readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? buffer : buffer.subarray(0, n));
      size += n;
    }
    return { hash: hash.digest('hex'), size };
  } finally {
    fs.closeSync(fd);
  }
}
