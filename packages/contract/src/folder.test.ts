import { describe, expect, it } from 'vitest';
import { folderSchema, pathProblem, pathSchema, quote, targetSchema } from './folder.js';

describe('pathProblem', () => {
  it.each([
    'photos',
    'photos/2024',
    'a b/ü ñ',
    'back\\slash',
    '.hidden/x',
    'emoji/😀',
    `${'x'.repeat(255)}/${'y'.repeat(255)}`,
    `${'é'.repeat(127)}x`,
    ['x'.repeat(200), 'y'.repeat(200), 'z'.repeat(200), 'w'.repeat(200), 'v'.repeat(196)].join('/'),
  ])('accepts %j', (value) => {
    expect(pathProblem(value)).toBeNull();
  });

  it.each([
    ['', 'The folder must not be empty'],
    ['/etc', 'The folder must be relative to the source root, not absolute'],
    ['a/../b', 'The folder must not have "." or ".." segments'],
    ['./a', 'The folder must not have "." or ".." segments'],
    ['..', 'The folder must not have "." or ".." segments'],
    ['a//b', 'The folder must not have empty segments (leading, trailing or double "/")'],
    ['a/', 'The folder must not have empty segments (leading, trailing or double "/")'],
    ['a\u0000b', 'The folder must not contain NUL or control characters'],
    ['a\nb', 'The folder must not contain NUL or control characters'],
    ['a\u007fb', 'The folder must not contain NUL or control characters'],
    ['x'.repeat(1001), 'The folder must be at most 1000 bytes long'],
    ['é'.repeat(501), 'The folder must be at most 1000 bytes long'],
    ['x'.repeat(256), 'The folder must not have a segment longer than 255 bytes'],
    [`ok/${'é'.repeat(128)}`, 'The folder must not have a segment longer than 255 bytes'],
    ['bad\ud800name', 'The folder must be well-formed Unicode: it has a lone surrogate'],
    ['bad\udc00name', 'The folder must be well-formed Unicode: it has a lone surrogate'],
    ['\ude00\ud83d', 'The folder must be well-formed Unicode: it has a lone surrogate'],
  ])('refuses %j', (value, message) => {
    expect(pathProblem(value)).toBe(message);
  });

  it('names what it checks: a folder, a restore target or a path inside the snapshot', () => {
    expect(pathProblem('/x', 'target')).toBe('The target must be relative to the source root, not absolute');
    expect(pathProblem('/x', 'path')).toBe('The path must be relative to the snapshot, not absolute');
    expect(pathProblem('', 'path')).toBe('The path must not be empty');
  });
});

describe('quote', () => {
  it('quotes a short value whole, as JSON', () => {
    expect(quote('../etc')).toBe('"../etc"');
    expect(quote('bad\ud800name')).toBe('"bad\\ud800name"');
  });

  it('cuts a long value to its first characters and says how long it was', () => {
    expect(quote('x'.repeat(9000), 5)).toBe('"xxxxx"… (9000 characters)');
    expect(quote('😀'.repeat(3), 2)).toBe('"😀😀"… (3 characters)');
  });
});

describe('the schemas', () => {
  it.each([
    [folderSchema, 'INVALID_FOLDER', 'The folder'],
    [targetSchema, 'INVALID_TARGET', 'The target'],
    [pathSchema, 'INVALID_PATH', 'The path'],
  ] as const)('refuse a bad value with an issue carrying its code (%#)', (schema, code, subject) => {
    const result = schema.safeParse('../etc');
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        code: 'custom',
        message: `${subject} must not have "." or ".." segments: got "../etc"`,
        params: { code },
      }),
    ]);
  });

  it('echo at most 100 characters of a long value', () => {
    const message = folderSchema.safeParse('x'.repeat(5000)).error?.issues[0]?.message ?? '';
    expect(message).toBe(
      `The folder must be at most 1000 bytes long: got "${'x'.repeat(100)}"… (5000 characters)`,
    );
  });

  it('leave a value of the wrong type to zod’s own type check', () => {
    expect(folderSchema.safeParse(5).error?.issues[0]?.code).toBe('invalid_type');
  });

  it('accept a good value as it is', () => {
    expect(folderSchema.parse('photos/2024')).toBe('photos/2024');
  });
});
