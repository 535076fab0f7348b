import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseSize } from './policy.js';

describe('parseSize (--max-file-size)', () => {
  it.each([
    ['1048576', 1048576],
    ['10MiB', 10485760],
    ['10 mib', 10485760],
    ['10M', 10485760],
    ['1.5GiB', 1610612736],
    ['2KiB', 2048],
    ['1.5GB', 1500000000],
    ['3kB', 3000],
    ['1TiB', 1099511627776],
    ['7B', 7],
    ['none', null],
    ['NONE', null],
  ])('reads %s as %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['0', '10XB', '-5', 'MiB', '1e3', '', '0.1'])('refuses %j', (text) => {
    expect(() => parseSize(text)).toThrow(
      new InvalidArgumentError('must be a size above 0 such as 1048576, 10MiB or 1.5GB, or "none"'),
    );
  });
});
