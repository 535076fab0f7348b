import { describe, expect, it } from 'vitest';
import { isLoopback } from './loopback.js';
import { bearerToken, isKnownToken } from './tokens.js';

describe('tokens', () => {
  it('knows a token only when it is exactly one of the list', () => {
    expect(isKnownToken('s3cret', ['other', 's3cret'])).toBe(true);
    expect(isKnownToken('s3cre', ['s3cret'])).toBe(false);
    expect(isKnownToken('s3cret ', ['s3cret'])).toBe(false);
    expect(isKnownToken('', [])).toBe(false);
  });

  it('reads a bearer token and nothing else', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['example.internal', false],
  ])('%s is loopback: %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
