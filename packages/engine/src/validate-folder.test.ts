import { describe, expect, it } from 'vitest';
import { validateFolder } from './validate-folder.js';

describe('validateFolder', () => {
  it.each(['photos', 'photos/2024', 'a b/ü ñ', 'back\\slash', '.hidden/x', 'x'.repeat(1000)])(
    'accepts %j',
    (f) => {
      expect(validateFolder(f)).toBeNull();
    },
  );

  it.each([
    ['', /empty/],
    ['/etc', /absolute/],
    ['a/../b', /"\.\."/],
    ['./a', /"\."/],
    ['..', /"\.\."/],
    ['a//b', /empty segments/],
    ['a/', /empty segments/],
    ['a\u0000b', /control/],
    ['a\nb', /control/],
    ['a\u007fb', /control/],
    ['x'.repeat(1001), /1000 bytes/],
    ['é'.repeat(501), /1000 bytes/],
  ])('refuses %j', (f, message) => {
    expect(validateFolder(f)).toMatch(message);
  });
});
