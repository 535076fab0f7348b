import type { RetentionPolicy } from './repository/repository.js';

/** The bucket rules, each with the calendar period its snapshots are grouped by (in UTC). */
const BUCKETS = [
  ['keepHourly', (t: Date) => t.toISOString().slice(0, 13)],
  ['keepDaily', (t: Date) => t.toISOString().slice(0, 10)],
  ['keepWeekly', isoWeek],
  ['keepMonthly', (t: Date) => t.toISOString().slice(0, 7)],
  ['keepYearly', (t: Date) => t.toISOString().slice(0, 4)],
] as const satisfies readonly (readonly [keyof RetentionPolicy, (t: Date) => string])[];

/**
 * Which of a folder's snapshots (newest first) a policy keeps, with the semantics of restic's
 * `forget`: a snapshot is kept if any rule keeps it. `keepLast` keeps the n newest; each bucket rule
 * (`keepHourly`, `keepDaily`, `keepWeekly`, `keepMonthly`, `keepYearly`) keeps the newest snapshot
 * of each of the n newest hours, days, ISO weeks, months or years that have one, all in UTC. A rule
 * that is 0 or absent keeps nothing; with every rule off, everything is kept. With any rule on, the
 * newest snapshot is kept (every rule keeps it).
 */
export function selectKept<S extends { time: Date }>(newestFirst: S[], policy: RetentionPolicy): Set<S> {
  const keepLast = policy.keepLast ?? 0;
  const rules = BUCKETS.map(([name, bucketOf]) => ({ left: policy[name] ?? 0, bucketOf, last: '' })).filter(
    (rule) => rule.left > 0,
  );
  if (keepLast <= 0 && rules.length === 0) return new Set(newestFirst);
  const keep = new Set<S>(newestFirst.slice(0, Math.max(0, keepLast)));
  for (const s of newestFirst) {
    for (const rule of rules) {
      if (rule.left === 0) continue;
      const bucket = rule.bucketOf(s.time);
      // Newest first: the first snapshot seen in a bucket is that bucket's newest.
      if (bucket === rule.last) continue;
      rule.last = bucket;
      rule.left--;
      keep.add(s);
    }
  }
  return keep;
}

/** The ISO 8601 week of `t` in UTC, as "YYYY-Www" (the week's year, which may differ from t's). */
function isoWeek(t: Date): string {
  const day = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  // The Thursday of the same week decides the week's year.
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
