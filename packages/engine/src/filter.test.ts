import { describe, expect, it } from 'vitest';
import { PathFilter } from './filter.js';

describe('PathFilter', () => {
  it('is null when the rules have none: blank lines, comments, no markers, no size', () => {
    expect(PathFilter.of(undefined)).toBeNull();
    expect(PathFilter.of({})).toBeNull();
    expect(
      PathFilter.of({ exclude: ['', '   ', '# a comment'], excludeIfPresent: [], maxFileSize: null }),
    ).toBeNull();
    expect(PathFilter.of({ maxFileSize: 1 })).not.toBeNull();
  });

  it('answers the same after renewing its matcher: 10,000 tests in a row, each path checked twice', () => {
    const filter = PathFilter.of({ exclude: ['cache/', '*.tmp', '!keep.tmp', 'build/*', '!build/keep.o'] })!;
    const answers: boolean[] = [];
    for (let i = 0; i < 2500; i++) {
      answers.push(
        filter.excludesDirectory(`d${i}/cache`),
        filter.excludesFile(`d${i}/x.tmp`),
        filter.excludesFile(`d${i}/keep.tmp`),
        filter.excludesFile(`build/f${i}.o`),
      );
    }
    expect(answers.filter((a, i) => a !== [true, true, false, true][i % 4])).toEqual([]);
    // Past the renewals, a file under an excluded directory still cannot be re-included.
    const late = PathFilter.of({ exclude: ['cache/', '!cache/keep.me'] })!;
    for (let i = 0; i < 5000; i++) late.excludesFile(`f${i}`);
    expect(late.excludesFile('cache/keep.me')).toBe(true);
    expect(late.excludesFile('build/keep.o')).toBe(false);
  });

  it('finds a marker among entry names, and compares sizes with the limit', () => {
    const filter = PathFilter.of({ excludeIfPresent: ['.nobackup', 'CACHEDIR.TAG'], maxFileSize: 10 })!;
    expect(filter.markerAmong([{ name: 'a' }, { name: 'CACHEDIR.TAG' }])).toBe('CACHEDIR.TAG');
    expect(filter.markerAmong([{ name: '.nobackup-not' }])).toBeUndefined();
    expect([filter.tooLarge(10), filter.tooLarge(11n), filter.tooLarge(0)]).toEqual([false, true, false]);
  });
});
