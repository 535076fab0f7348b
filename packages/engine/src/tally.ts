import { addExcluded, type ExcludedTally, noneExcluded } from './filter.js';

export const MAX_WARNINGS = 100;

/** What a copy tallies, for a batch of files and for a whole backup alike. */
export interface CopyTally {
  /** Regular files and symlinks. */
  files: number;
  /** Bytes of the regular files. */
  bytes: number;
  copiedFiles: number;
  copiedBytes: number;
  /** Files hard-linked from the previous snapshot because they had not changed. */
  linkedFiles: number;
  /** Sockets, FIFOs and devices, and entries that vanished or could not be read. */
  skipped: number;
  /** The first 100 warnings (vanished, changed or unreadable files), then a count of the rest. */
  warnings: string[];
  /** What the folder's policy left out (docs/engine.md, "What a backup leaves out"). */
  excluded: ExcludedTally;
}

/** Running totals of one copy; BackupResult is made from them. */
export interface CopyCounters extends CopyTally {
  warningCount: number;
  /** Bytes of files still being copied, reported by the threads as they go. */
  partialBytes: number;
}

export function newTally(): CopyTally {
  return {
    files: 0,
    bytes: 0,
    copiedFiles: 0,
    copiedBytes: 0,
    linkedFiles: 0,
    skipped: 0,
    warnings: [],
    excluded: noneExcluded(),
  };
}

export function newCounters(): CopyCounters {
  return { ...newTally(), warningCount: 0, partialBytes: 0 };
}

/** Keeps the first MAX_WARNINGS warnings and counts the rest. */
export function addWarning(counters: CopyCounters, warning: string): void {
  counters.warningCount++;
  if (counters.warnings.length < MAX_WARNINGS) counters.warnings.push(warning);
}

/** Adds a batch's tally to the running totals. */
export function addTally(counters: CopyCounters, tally: CopyTally): void {
  counters.files += tally.files;
  counters.bytes += tally.bytes;
  counters.copiedFiles += tally.copiedFiles;
  counters.copiedBytes += tally.copiedBytes;
  counters.linkedFiles += tally.linkedFiles;
  counters.skipped += tally.skipped;
  addExcluded(counters.excluded, tally.excluded);
  for (const warning of tally.warnings) addWarning(counters, warning);
}

/** The final tally: the kept warnings, then one line counting those left out. */
export function finalTally(counters: CopyCounters): CopyTally {
  const warnings = counters.warnings.slice();
  if (counters.warningCount > warnings.length) {
    warnings.push(`… and ${counters.warningCount - warnings.length} more warnings`);
  }
  return {
    files: counters.files,
    bytes: counters.bytes,
    copiedFiles: counters.copiedFiles,
    copiedBytes: counters.copiedBytes,
    linkedFiles: counters.linkedFiles,
    skipped: counters.skipped,
    warnings,
    excluded: { ...counters.excluded },
  };
}
