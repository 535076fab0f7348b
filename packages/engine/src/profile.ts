/**
 * Where a backup's time goes, for the bench's `--profile`: milliseconds per phase. Nothing is timed
 * unless the caller passes a BackupProfile; then the copy threads time their own calls and add them
 * up per batch. Thread phases are summed over all threads (they overlap in wall time); the others
 * are the walking thread's wall time.
 */
export const PHASES = [
  /** Listing, opening and creating directories, and setting their attributes (walking thread). */
  'walk',
  /** Opening a source file, fstat, and reading it (copy threads). */
  'open+read',
  /** Creating the copy, writing it, its mode and times, closing both files (copy threads). */
  'write',
  /** SHA-256 of what was read (copy threads). */
  'hash',
  /** Manifest lines: formatting them (copy threads) and waiting for the manifest to be written. */
  'manifest',
  /** Hard-linking unchanged files from the previous snapshot, with their lstat (copy threads). */
  'link',
  /** Waiting for a free batch slot: every copy thread busy (walking thread). */
  'wait',
  /** The one syncfs at the end. */
  'flush',
  /** Renaming the manifest and the snapshot into place, removing staging, fsync of the folder. */
  'rename',
  /** The counting pass for progress totals, in its own thread, beside the copy (wall time). */
  'count',
] as const;

export type Phase = (typeof PHASES)[number];
export type BackupProfile = Record<Phase, number>;

export function newProfile(): BackupProfile {
  return Object.fromEntries(PHASES.map((p) => [p, 0])) as BackupProfile;
}

/** Adds `b`'s times to `a`. */
export function addProfile(a: BackupProfile, b: Partial<BackupProfile>): void {
  for (const p of PHASES) a[p] += b[p] ?? 0;
}

/** Runs `fn`, adding its wall time to `phase` when profiling. */
export async function timed<T>(
  profile: BackupProfile | undefined,
  phase: Phase,
  fn: () => Promise<T>,
): Promise<T> {
  if (!profile) return fn();
  const t = performance.now();
  try {
    return await fn();
  } finally {
    profile[phase] += performance.now() - t;
  }
}

/** A stopwatch for synchronous code: `lap(p)` adds the time since the previous lap to `p`. */
export class Laps {
  readonly times: Partial<BackupProfile> = {};
  private last = performance.now();

  /** Starts a new lap without counting the time since the previous one. */
  reset(): void {
    this.last = performance.now();
  }

  lap(phase: Phase): void {
    const now = performance.now();
    this.times[phase] = (this.times[phase] ?? 0) + (now - this.last);
    this.last = now;
  }
}
