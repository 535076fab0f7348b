import { type BigIntStats, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Cancelled } from './cancelled.js';
import { EngineError, errnoOf, toEngineError } from './errors.js';
import { ManifestReader, readTrailer } from './manifest.js';
import { type ManifestEntry, permissions } from './manifest-entry.js';
import { compareNames, comparePaths } from './paths.js';
import { acquirePool, CancelToken, releasePool } from './pool.js';
import { ProgressThrottle } from './progress.js';
import type { ReadRequest, VerifyResult } from './repository/repository.js';
import { Semaphore } from './semaphore.js';
import { keptNs } from './times.js';

const MAX_LISTED = 1000;
const MESSAGE_PATHS = 10;

/** A snapshot as its repository found it: its name, its tree and its manifest. */
export interface SnapshotFiles {
  snapshot: string;
  dir: string;
  manifest: string;
}

/** One way a snapshot differs from its manifest. */
export interface Difference {
  path: string;
  problem: string;
}

/**
 * Re-reads a snapshot and checks every entry against its manifest: type, size, mode, mtime, content
 * hash and symlink target, and entries missing from either side.
 * @throws EngineError SNAPSHOT_CORRUPT naming the differing paths (all of them, up to 1000, in `details`).
 */
export async function verifyFiles(snap: SnapshotFiles, options: ReadRequest): Promise<VerifyResult> {
  const started = performance.now();
  const trailer = await readTrailer(snap.manifest);
  if (!trailer) {
    throw new EngineError(
      'SNAPSHOT_CORRUPT',
      `The manifest of snapshot ${snap.snapshot} is incomplete or unreadable`,
      {
        details: { differences: [{ path: '', problem: 'manifest incomplete' }] },
      },
    );
  }
  const differences: Difference[] = [];
  let differenceCount = 0;
  const differ = (p: string, problem: string) => {
    differenceCount++;
    if (differences.length < MAX_LISTED) differences.push({ path: p, problem });
  };
  let files = 0;
  let bytes = 0;
  const progress = new ProgressThrottle(options.onProgress, () => ({ filesDone: files, bytesDone: bytes }));
  progress.filesTotal = trailer.files;
  progress.bytesTotal = trailer.bytes;

  const pool = acquirePool(2);
  const cancel = new CancelToken();
  const inFlight = new Set<Promise<void>>();
  const hashSlots = new Semaphore(pool.size * 4);
  const reader = new ManifestReader(snap.manifest);
  const onAbort = () => cancel.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let m = await reader.next();
    for await (const e of walkSorted(snap.dir, '')) {
      if (options.signal?.aborted) throw options.signal.reason;
      while (m && comparePaths(m.path, e.rel) < 0) {
        differ(m.path, 'missing from the snapshot');
        m = await reader.next();
      }
      if (m && m.path === e.rel) {
        const expected = m;
        const problems = await compareMeta(expected, e.abs, e.st);
        if (problems.length > 0) differ(e.rel, problems.join(', '));
        if (expected.type === 'file' && e.st.isFile() && Number(e.st.size) === expected.size) {
          await hashSlots.acquire();
          const check = pool
            .run({ kind: 'hash', path: e.abs }, cancel)
            .then((r) => {
              if (r.size !== expected.size) differ(expected.path, 'size differs');
              else if (expected.hash !== undefined && r.hash !== expected.hash)
                differ(expected.path, 'content differs');
              files++;
              bytes += r.size;
              progress.update();
            })
            .catch((error: unknown) => {
              if (error instanceof Cancelled) return;
              const code = errnoOf(error instanceof EngineError ? error.cause : error);
              differ(expected.path, `unreadable (${code ?? 'unexpected error'})`);
            })
            .finally(() => {
              hashSlots.release();
              inFlight.delete(check);
            });
          inFlight.add(check);
        } else if (expected.type === 'symlink') {
          files++;
        }
        m = await reader.next();
      } else {
        differ(e.rel, 'not in the manifest');
      }
    }
    while (m) {
      differ(m.path, 'missing from the snapshot');
      m = await reader.next();
    }
    await Promise.all(inFlight);
    if (options.signal?.aborted) throw options.signal.reason;
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof SyntaxError) differ('', 'manifest line is not JSON');
    else throw toEngineError(error, `verifying ${snap.snapshot}`);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(inFlight);
    reader.dispose();
    releasePool(pool);
  }
  if (differenceCount > 0) {
    differences.sort((a, b) => comparePaths(a.path, b.path));
    const named = differences.slice(0, MESSAGE_PATHS).map((d) => `${d.path || '.'} (${d.problem})`);
    const more = differenceCount - named.length;
    throw new EngineError(
      'SNAPSHOT_CORRUPT',
      `Snapshot ${snap.snapshot} differs from its manifest: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
      { details: { differences, count: differenceCount } },
    );
  }
  progress.finish();
  return { files, bytes, durationMs: Math.round(performance.now() - started) };
}

/** What differs in type and metadata; an empty list when nothing does. */
async function compareMeta(m: ManifestEntry, abs: string, st: BigIntStats): Promise<string[]> {
  const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  if (type !== m.type) return [`is a ${type}, expected a ${m.type}`];
  const problems: string[] = [];
  if (type !== 'symlink' && permissions(st) !== m.mode) problems.push('mode differs');
  if (type === 'file' && Number(st.size) !== m.size) problems.push('size differs');
  if (String(keptNs(st.mtimeNs)) !== m.mtime) problems.push('mtime differs');
  if (type === 'symlink' && (await fsp.readlink(abs)) !== m.target) problems.push('symlink target differs');
  return problems;
}

/** The snapshot's entries in manifest order, never following symlinks. */
async function* walkSorted(
  abs: string,
  rel: string,
): AsyncGenerator<{ rel: string; abs: string; st: BigIntStats }> {
  const st = await fsp.lstat(abs, { bigint: true });
  yield { rel, abs, st };
  if (!st.isDirectory()) return;
  const names = (await fsp.readdir(abs)).sort(compareNames);
  for (const name of names) {
    yield* walkSorted(path.join(abs, name), rel === '' ? name : `${rel}/${name}`);
  }
}
