import fc from 'fast-check';

/**
 * fast-check arbitraries for the folder rule, shared by the property tests of the contract, the
 * engine and the API. Whether a value is acceptable is known by construction here, never by asking
 * the code under test.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a name may not hold
const CONTROL = /[\u0000-\u001f\u007f]/;

const bytes = (value: string) => Buffer.byteLength(value, 'utf8');

/** Characters chosen to trouble an encoder: escapes, dots, the hash mark, backslashes, non-ASCII. */
const awkward = fc.constantFrom(
  '%',
  '%2F',
  '%25',
  '%2E',
  '.',
  '~',
  '\\',
  ' ',
  '-',
  'é',
  '😀',
  '\u2024',
  '\uff0e',
  'Ω',
);

/** One acceptable name: 1 to 255 bytes of well-formed text, no `/`, no control character, not `.`/`..`. */
export const validSegment: fc.Arbitrary<string> = fc
  .string({
    unit: fc.oneof(awkward, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
    minLength: 1,
    maxLength: 24,
  })
  .filter((s) => !s.includes('/') && !CONTROL.test(s) && s !== '.' && s !== '..' && bytes(s) <= 255);

/** An acceptable folder (target, path): 1 to 6 acceptable names, at most 1000 bytes. */
export const validFolder: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 5, arbitrary: fc.array(validSegment, { minLength: 1, maxLength: 6 }) },
    // Long names, to reach the 255-byte limit of a name and the hash form of a folder's key.
    {
      weight: 1,
      arbitrary: fc.array(
        fc.integer({ min: 1, max: 255 }).map((n) => 'n'.repeat(n)),
        { minLength: 1, maxLength: 3 },
      ),
    },
  )
  .map((segments) => segments.join('/'))
  .filter((folder) => bytes(folder) <= 1000);

const at = (value: string, index: number) => index % (value.length + 1);
const insertAt = (value: string, index: number, piece: string) =>
  value.slice(0, at(value, index)) + piece + value.slice(at(value, index));

/** How a folder is spoiled, and the acceptable folder it started from. */
export interface Mutation {
  how: string;
  folder: string;
  mutated: string;
}

/**
 * An acceptable folder spoiled in one way the rule refuses: a `.`, `..` or empty segment, a leading
 * `/`, a NUL or control character, a lone surrogate, a name over 255 bytes or a whole over 1000.
 */
export const mutatedFolder: fc.Arbitrary<Mutation> = fc
  .tuple(
    validFolder,
    fc.nat(),
    fc.constantFrom('dot', 'dotdot', 'empty', 'absolute', 'control', 'surrogate', 'long-name', 'long-path'),
    fc.integer({ min: 0, max: 0x20 }).map((c) => String.fromCharCode(c === 0x20 ? 0x7f : c)),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  )
  .map(([folder, index, how, control, surrogate]) => {
    const segments = folder.split('/');
    const position = index % (segments.length + 1);
    const withSegment = (segment: string) =>
      [...segments.slice(0, position), segment, ...segments.slice(position)].join('/');
    const mutated = {
      dot: () => withSegment('.'),
      dotdot: () => withSegment('..'),
      empty: () => withSegment(''),
      absolute: () => `/${folder}`,
      control: () => insertAt(folder, index, control),
      // A well-formed string with one surrogate inserted anywhere is never well-formed.
      surrogate: () => insertAt(folder, index, surrogate),
      'long-name': () => withSegment('x'.repeat(256)),
      'long-path': () => `${folder}/${Array.from({ length: 5 }, () => 'p'.repeat(200)).join('/')}`,
    }[how]!();
    return { how, folder, mutated };
  });
