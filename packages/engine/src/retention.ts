import type { RetentionPolicy } from './repository/repository.js';

/**
 * Which of a folder's snapshots (newest first) a policy keeps. A snapshot is kept if any rule keeps
 * it; the newest is always kept; with both rules 0 everything is kept.
 */
export function selectKept<S extends { time: Date }>(newestFirst: S[], policy: RetentionPolicy): Set<S> {
  const { keepLast, keepDaily } = policy;
  if (keepLast <= 0 && keepDaily <= 0) return new Set(newestFirst);
  const keep = new Set<S>(newestFirst.slice(0, 1));
  if (keepLast > 0) for (const s of newestFirst.slice(0, keepLast)) keep.add(s);
  if (keepDaily > 0) {
    const days = new Set<string>();
    for (const s of newestFirst) {
      const day = s.time.toISOString().slice(0, 10);
      if (days.has(day)) continue;
      if (days.size >= keepDaily) break;
      days.add(day);
      keep.add(s);
    }
  }
  return keep;
}
