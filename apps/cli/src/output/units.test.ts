import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatEta, plural } from './units.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [63, '63 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024, '10.0 KiB'],
    [99.94 * 1024, '99.9 KiB'],
    [12.3 * 1024 * 1024, '12.3 MiB'],
    [5.25 * 1024 * 1024, '5.3 MiB'],
    [512 * 1024 * 1024, '512 MiB'],
    [3 * 1024 ** 4, '3.0 TiB'],
  ])('writes %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [92, '92 ms'],
    [1400, '1.4 s'],
    [12_345, '12 s'],
    [125_000, '2 min 5 s'],
    [3_720_000, '1 h 2 min'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatEta', () => {
  it.each([
    [1, '1 s'],
    [427, '1 s'],
    [1001, '2 s'],
    [59_000, '59 s'],
    [125_000, '2 min 5 s'],
  ])('rounds %d ms up to whole seconds: %s', (ms, text) => {
    expect(formatEta(ms)).toBe(text);
  });
});

describe('plural', () => {
  it('adds an s for any count but one', () => {
    expect([plural(0, 'file'), plural(1, 'file'), plural(2, 'file')]).toEqual([
      '0 files',
      '1 file',
      '2 files',
    ]);
  });

  it('takes the plural form of a noun that does not add an s', () => {
    expect([plural(1, 'entry', 'entries'), plural(3, 'entry', 'entries')]).toEqual(['1 entry', '3 entries']);
  });
});
