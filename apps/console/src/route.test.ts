import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatMode } from './format.js';
import { link, routeOf } from './route.js';

describe("the console's links", () => {
  it('read back as the page they name, folders and paths with slashes and spaces included', () => {
    expect(routeOf('')).toEqual({ page: 'overview' });
    expect(routeOf(link.overview())).toEqual({ page: 'overview' });
    expect(link.folder('photos/2024 summer')).toBe('#/folder/photos%2F2024%20summer');
    expect(routeOf(link.folder('photos/2024 summer'))).toEqual({
      page: 'folder',
      folder: 'photos/2024 summer',
    });
    expect(routeOf(link.snapshot('b1'))).toEqual({ page: 'snapshot', id: 'b1', path: '' });
    expect(routeOf(link.snapshot('b1', 'notes/deep dir'))).toEqual({
      page: 'snapshot',
      id: 'b1',
      path: 'notes/deep dir',
    });
    expect(routeOf(link.diff('a', 'b'))).toEqual({ page: 'diff', from: 'a', to: 'b' });
  });

  it('name no page when they are not one of the console', () => {
    expect(routeOf('#/folder/%E0%A4%A')).toEqual({ page: 'missing', hash: '#/folder/%E0%A4%A' });
    expect(routeOf('#/folder/a/b')).toEqual({ page: 'missing', hash: '#/folder/a/b' });
    expect(routeOf('#/elsewhere')).toEqual({ page: 'missing', hash: '#/elsewhere' });
  });
});

describe("the console's figures", () => {
  it('writes bytes, durations and permission bits as people read them', () => {
    expect([0, 999, 1000, 58_000, 1_234_567, 5e12].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.00 kB',
      '58.0 kB',
      '1.23 MB',
      '5.00 TB',
    ]);
    expect(formatBytes(null)).toBe('—');
    expect([850, 12_345, 245_000, 7_380_000].map(formatDuration)).toEqual([
      '850 ms',
      '12.3 s',
      '4 min 05 s',
      '2 h 03 min',
    ]);
    expect(formatMode(0o644)).toBe('0644 rw-r--r--');
    expect(formatMode(0o755)).toBe('0755 rwxr-xr-x');
    expect(formatMode(0o4750)).toBe('4750 rwxr-x---');
  });
});
