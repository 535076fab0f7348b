/** One attempt's hold of a folder lease, from the worker's log lines (`folderLock` taken, then released or lost). */
export interface LockHold {
  folder: string;
  jobId: string;
  /** The process that held it, when the lines say (`pid`). */
  pid: number | undefined;
  /** ms since the epoch: logged right after the lock was granted. */
  from: number;
  /** ms since the epoch: logged when the folder's work had ended; null when no end was logged (the process was killed). */
  to: number | null;
}

/** The folder lock holds that log lines record, in the order they were taken. */
export function folderLockHolds(lines: readonly Record<string, unknown>[]): LockHold[] {
  const holds: LockHold[] = [];
  const open = new Map<string, LockHold>();
  for (const line of lines) {
    const { folderLock, folder, jobId, pid, attempt, fencingToken, time } = line;
    if (typeof folderLock !== 'string' || typeof folder !== 'string' || typeof jobId !== 'string') continue;
    // A lease's fencing token names one hold of the folder.
    const key = typeof fencingToken === 'number' ? `${folder}|${fencingToken}` : `${pid}|${jobId}|${attempt}`;
    if (folderLock === 'taken') {
      const hold: LockHold = {
        folder,
        jobId,
        pid: typeof pid === 'number' ? pid : undefined,
        from: Number(time),
        to: null,
      };
      holds.push(hold);
      open.set(key, hold);
    } else {
      const hold = open.get(key);
      if (hold) hold.to = Number(time);
      open.delete(key);
    }
  }
  return holds;
}

/**
 * Pairs of holds of one folder that overlap in time: the second was taken before the first ended.
 * A hold without an end must be given one (`endOf`), e.g. when its process was killed.
 */
export function overlappingHolds(
  holds: readonly LockHold[],
  endOf: (hold: LockHold) => number = () => Number.POSITIVE_INFINITY,
): [LockHold, LockHold][] {
  const byFolder = new Map<string, LockHold[]>();
  for (const hold of holds) byFolder.set(hold.folder, [...(byFolder.get(hold.folder) ?? []), hold]);
  const overlaps: [LockHold, LockHold][] = [];
  for (const list of byFolder.values()) {
    const sorted = [...list].sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1]!;
      if (sorted[i]!.from < (previous.to ?? endOf(previous))) overlaps.push([previous, sorted[i]!]);
    }
  }
  return overlaps;
}

/**
 * The overlapping folder lock holds in worker log lines; a hold of a process that was killed
 * (`diedAt` answers when) ends then, and one with no end at all never ends.
 */
export function folderOverlaps(
  lines: readonly Record<string, unknown>[],
  diedAt: (pid: number) => number | undefined,
): [LockHold, LockHold][] {
  return overlappingHolds(folderLockHolds(lines), (hold) =>
    hold.pid === undefined ? Number.POSITIVE_INFINITY : (diedAt(hold.pid) ?? Number.POSITIVE_INFINITY),
  );
}
