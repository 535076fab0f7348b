import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { forgetSecrets, Redactor, redactSecrets, secretsOf } from './secrets.js';

describe('Redactor', () => {
  const redactor = new Redactor(['s3cret-token', 'to/k en', 'pässwörd']);
  const redact = (text: string) => redactor.redact(text);

  it('replaces every secret as it is, and leaves the rest', () => {
    expect(redact('/stats?token=s3cret-token&x=1')).toBe('/stats?token=[REDACTED]&x=1');
    expect(redact('a s3cret-token b s3cret-token')).toBe('a [REDACTED] b [REDACTED]');
    expect(redact('from="s3cret-token" is not a date')).toBe('from="[REDACTED]" is not a date');
    expect(redact('s3cret-toke and 3cret-token')).toBe('s3cret-toke and 3cret-token');
    expect(redact('')).toBe('');
  });

  it('finds a secret percent-encoded in any way, with + for a space, and says where it was', () => {
    expect(redact('/logs?a=to%2Fk%20en&b=to%2fk+en&c=to/k en')).toBe(
      '/logs?a=[REDACTED]&b=[REDACTED]&c=[REDACTED]',
    );
    expect(redact('/backups/s3cret%2Dtoken?x=%73%33cret-token')).toBe('/backups/[REDACTED]?x=[REDACTED]');
    expect(redact(`?p=${encodeURIComponent('pässwörd')}`)).toBe('?p=[REDACTED]');
  });

  it('finds a secret written into a JSON line, escapes and all', () => {
    const tricky = new Redactor(['quo"te\\back']);
    const line = JSON.stringify({ msg: 'refused', reason: 'value quo"te\\back here' });
    expect(tricky.redact(line)).toBe('{"msg":"refused","reason":"value [REDACTED] here"}');
    expect(redact(JSON.stringify({ url: '/x?t=p\u00e4ssw\u00f6rd' }))).toBe('{"url":"/x?t=[REDACTED]"}');
    expect(redact('"\\u0073\\u0033cret-token"')).toBe('"[REDACTED]"');
  });

  it('takes out a secret that a quote cut short, from 8 of its characters on', () => {
    expect(redact('There is no job with id "s3cret-to"… (12 characters)')).toBe(
      'There is no job with id "[REDACTED]"… (12 characters)',
    );
    expect(redact('message: s3cret-t…')).toBe('message: [REDACTED]…');
    expect(redact(JSON.stringify({ reason: 'id "s3cret-tok"… (12 characters)' }))).toBe(
      '{"reason":"id \\"[REDACTED]\\"… (12 characters)"}',
    );
    // Seven characters before a cut are too few to tell a secret from a word.
    expect(redact('about s3cret-… here')).toBe('about s3cret-… here');
  });

  it('changes nothing when there is no secret', () => {
    expect(new Redactor([]).redact('/stats?token=anything')).toBe('/stats?token=anything');
    expect(new Redactor(['']).redact('a b')).toBe('a b');
  });
});

describe('the secrets of a configuration', () => {
  it('are the tokens, the metrics token and the passwords of DATABASE_URL and REDIS_URL', () => {
    const config = loadConfig({
      API_TOKENS: 'first-api-token,second-api-token',
      METRICS_TOKEN: 'scrape-token-1',
      DATABASE_URL: 'mysql://strongbox:db%2Fpass@db.example:3306/strongbox',
      REDIS_URL: 'redis://:redis-pass-1@redis.example:6379',
    });
    expect(secretsOf(config)).toEqual([
      'first-api-token',
      'second-api-token',
      'scrape-token-1',
      'db/pass',
      'redis-pass-1',
    ]);
    expect(secretsOf(loadConfig({}))).toEqual([]);
  });

  it('are taken out of every text once the configuration is loaded', () => {
    const text = 'mysql://strongbox:db-pass-2@db/x with token-3456 and scrape-7890';
    expect(redactSecrets(text)).toBe(text);
    loadConfig({
      API_TOKENS: 'token-3456',
      METRICS_TOKEN: 'scrape-7890',
      DATABASE_URL: 'mysql://strongbox:db-pass-2@db/x',
    });
    expect(redactSecrets(text)).toBe('mysql://strongbox:[REDACTED]@db/x with [REDACTED] and [REDACTED]');
  });

  it('are all forgotten by forgetSecrets, and those of a configuration loaded after are taken out again', () => {
    loadConfig({ API_TOKENS: 'forgotten-token-1' });
    expect(redactSecrets('a forgotten-token-1')).toBe('a [REDACTED]');
    forgetSecrets();
    expect(redactSecrets('a forgotten-token-1')).toBe('a forgotten-token-1');
    loadConfig({ API_TOKENS: 'later-token-2' });
    expect(redactSecrets('forgotten-token-1 later-token-2')).toBe('forgotten-token-1 [REDACTED]');
  });
});
