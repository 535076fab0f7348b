import { describe, expect, it } from 'vitest';
import { basicPassword, bearerToken, isKnownToken, presentedToken } from './tokens.js';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

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

  it('reads the password of HTTP Basic, whatever the user name, and keeps colons in it', () => {
    expect(basicPassword(basic('ops:s3cret'))).toBe('s3cret');
    expect(basicPassword(basic(':s3cret'))).toBe('s3cret');
    expect(basicPassword(basic('ops:a:b'))).toBe('a:b');
    expect(basicPassword(basic('ops:'))).toBeNull();
    expect(basicPassword(basic('no-colon'))).toBeNull();
    expect(basicPassword('Basic !!!')).toBeNull();
    expect(basicPassword('Bearer abc')).toBeNull();
  });

  it('takes the token from either scheme', () => {
    expect(presentedToken('Bearer abc')).toBe('abc');
    expect(presentedToken(basic('anyone:abc'))).toBe('abc');
    expect(presentedToken('Digest abc')).toBeNull();
  });
});
