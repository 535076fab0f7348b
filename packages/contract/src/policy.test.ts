import { describe, expect, it } from 'vitest';
import {
  EMPTY_POLICY,
  excludeLineProblem,
  type FolderPolicy,
  mergePolicy,
  policyBodySchema,
  policyOfBody,
  policyPatchSchema,
} from './policy.js';

describe('excludeLineProblem', () => {
  it.each([
    '*.tmp',
    'cache/',
    '!cache/keep.me',
    '/build',
    '**/node_modules/**',
    'a/**/b',
    '# a comment',
    '',
    '   ',
    'dir\\\\',
    '\\#not-a-comment',
    '[a-z]*.log',
    '[z-a]',
  ])('takes %j', (line) => {
    expect(excludeLineProblem(line)).toBeNull();
  });

  it.each([
    [
      'a\nb',
      'The exclude line "a\\nb" has a control character (a newline, a tab, NUL…): give each pattern as a line of its own',
    ],
    [
      'a\tb',
      'The exclude line "a\\tb" has a control character (a newline, a tab, NUL…): give each pattern as a line of its own',
    ],
    [
      'a\u0000',
      'The exclude line "a\\u0000" has a control character (a newline, a tab, NUL…): give each pattern as a line of its own',
    ],
    [
      'a\r',
      'The exclude line "a\\r" has a control character (a newline, a tab, NUL…): give each pattern as a line of its own',
    ],
    [
      'dir\\',
      'The exclude line "dir\\\\" ends with a lone backslash, which git finds invalid: escape it as "\\\\" or remove it',
    ],
    [
      'dir\\\\\\',
      'The exclude line "dir\\\\\\\\\\\\" ends with a lone backslash, which git finds invalid: escape it as "\\\\" or remove it',
    ],
    [
      '**/a/**/b/**',
      'The exclude line "**/a/**/b/**" has 3 "**": at most 2 are allowed, each more multiplies the matching work on deep trees',
    ],
  ])('refuses %j', (line, problem) => {
    expect(excludeLineProblem(line)).toBe(problem);
  });
});

describe('policy bodies', () => {
  it('PUT: a field left out or null has no rule, one marker name is a list of one', () => {
    expect(policyOfBody(policyBodySchema.parse({}))).toEqual(EMPTY_POLICY);
    expect(
      policyOfBody(
        policyBodySchema.parse({ exclude: null, excludeIfPresent: '.nobackup', maxFileSize: null }),
      ),
    ).toEqual({ ...EMPTY_POLICY, excludeIfPresent: ['.nobackup'] });
  });

  it('PATCH: merges as a JSON merge patch, retention rule by rule', () => {
    const current: FolderPolicy = {
      exclude: ['*.tmp'],
      excludeIfPresent: ['.nobackup'],
      maxFileSize: 10,
      retention: { keepLast: 3, keepDaily: 7 },
    };
    const merge = (patch: unknown) => mergePolicy(current, policyPatchSchema.parse(patch));
    expect(merge({})).toEqual(current);
    expect(merge({ exclude: ['*.log'] })).toEqual({ ...current, exclude: ['*.log'] });
    expect(merge({ exclude: null, maxFileSize: null, excludeIfPresent: null })).toEqual({
      ...EMPTY_POLICY,
      retention: { keepLast: 3, keepDaily: 7 },
    });
    expect(merge({ retention: { keepDaily: null, keepYearly: 2 } })).toEqual({
      ...current,
      retention: { keepLast: 3, keepYearly: 2 },
    });
    expect(merge({ retention: null })).toEqual({ ...current, retention: null });
    expect(mergePolicy(EMPTY_POLICY, policyPatchSchema.parse({ retention: { keepWeekly: 4 } }))).toEqual({
      ...EMPTY_POLICY,
      retention: { keepWeekly: 4 },
    });
  });
});
