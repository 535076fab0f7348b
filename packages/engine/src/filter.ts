import ignore, { type Ignore } from 'ignore';

/**
 * What a backup leaves out of a folder: the filtering part of a folder's policy (the contract's
 * FolderPolicy, which the worker reads and hands over). Every field may be absent or empty: no rule.
 */
export interface BackupFilter {
  /** gitignore lines, matched against paths relative to the folder ("!" lines include again). */
  exclude?: readonly string[];
  /** A directory holding an entry of one of these names is left out, with everything in it. */
  excludeIfPresent?: readonly string[];
  /** Regular files larger than this many bytes are left out; null or absent: no limit. */
  maxFileSize?: number | null;
}

/** What a backup left out, by the rule that left it out. */
export interface ExcludedTally {
  /**
   * Entries an `exclude` pattern left out: files, symlinks, special files and directories. A
   * directory counts once: it is not entered, so what it holds is neither read nor counted.
   */
  byPattern: number;
  /** Directories left out because they hold a marker (`excludeIfPresent`), counted once each. */
  byMarker: number;
  /** Regular files larger than `maxFileSize`. */
  bySize: number;
  /** The bytes of those files. */
  bySizeBytes: number;
}

export function noneExcluded(): ExcludedTally {
  return { byPattern: 0, byMarker: 0, bySize: 0, bySizeBytes: 0 };
}

/** Adds `more` into `into`. */
export function addExcluded(into: ExcludedTally, more: ExcludedTally): void {
  into.byPattern += more.byPattern;
  into.byMarker += more.byMarker;
  into.bySize += more.bySize;
  into.bySizeBytes += more.bySizeBytes;
}

/**
 * Tests between two fresh matchers: the matcher remembers every path it was asked about (and each
 * parent), so a long walk starts a new one now and then, sharing the compiled rules, to keep
 * memory bounded by this rather than by the size of the tree.
 */
const TESTS_PER_MATCHER = 4096;

/**
 * A folder's filter, applied to paths relative to the folder ("a/b.txt", never absolute, never
 * with "..": they are made by the walk from the names it lists, so a pattern cannot name anything
 * outside the folder). Built only when the policy has a rule (see `PathFilter.of`): a backup without
 * one makes no test at all.
 */
export class PathFilter {
  /** Marker names, or null when there are none. */
  readonly markers: ReadonlySet<string> | null;
  /** The size limit, or null. */
  readonly maxFileSize: number | null;
  private readonly rules: Ignore | null;
  private matcher: Ignore | null;
  private tests = 0;

  private constructor(rules: BackupFilter) {
    const lines = (rules.exclude ?? []).filter(isPatternLine);
    // gitignore on Linux is case-sensitive (git's core.ignorecase is false there).
    this.rules = lines.length > 0 ? ignore({ ignorecase: false }).add(lines) : null;
    this.matcher = this.rules;
    this.markers = rules.excludeIfPresent?.length ? new Set(rules.excludeIfPresent) : null;
    this.maxFileSize = rules.maxFileSize ?? null;
  }

  /** The filter of `rules`, or null when they have no rule (nothing is left out). */
  static of(rules: BackupFilter | undefined): PathFilter | null {
    if (!rules) return null;
    const filter = new PathFilter(rules);
    return filter.rules || filter.markers || filter.maxFileSize !== null ? filter : null;
  }

  /** Whether a pattern leaves out the file (or symlink, or special file) at `rel`. */
  excludesFile(rel: string): boolean {
    return this.matches(rel);
  }

  /** Whether a pattern leaves out the directory at `rel` ("cache/" patterns match it, not files). */
  excludesDirectory(rel: string): boolean {
    return this.matches(`${rel}/`);
  }

  /** The first marker among a directory's entry names, if any. */
  markerAmong(entries: Iterable<{ name: string }>): string | undefined {
    if (!this.markers) return undefined;
    for (const entry of entries) if (this.markers.has(entry.name)) return entry.name;
    return undefined;
  }

  /** Whether a regular file of `size` bytes is over the limit. */
  tooLarge(size: number | bigint): boolean {
    return this.maxFileSize !== null && size > this.maxFileSize;
  }

  private matches(path: string): boolean {
    if (!this.rules) return false;
    if (++this.tests > TESTS_PER_MATCHER) {
      this.matcher = ignore({ ignorecase: false }).add(this.rules);
      this.tests = 1;
    }
    return this.matcher!.ignores(path);
  }
}

/** A line that is a pattern: not blank, not a comment (git skips both). */
function isPatternLine(line: string): boolean {
  return line.trim() !== '' && !line.startsWith('#');
}
