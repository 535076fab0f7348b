import path from 'node:path';
import { ConfigError } from '@strongbox/config';
import { describe, expect, it } from 'vitest';
import { loadStartSettings } from './start-settings.js';

describe('loadStartSettings', () => {
  it("gives the apps' defaults, two workers, and servers of its own for an empty environment", () => {
    expect(loadStartSettings({})).toMatchObject({
      workers: 2,
      redisGiven: false,
      databaseGiven: false,
      port: 3000,
      host: '127.0.0.1',
      sourceRoot: path.resolve('data'),
      backupFolder: path.resolve('backup'),
    });
  });

  it('reads WORKERS, treats an empty one as unset, and notices given servers', () => {
    const settings = loadStartSettings({
      WORKERS: '0',
      REDIS_URL: 'redis://127.0.0.1:6400',
      DATABASE_URL: 'mysql://root@127.0.0.1:3400/x',
    });
    expect(settings).toMatchObject({
      workers: 0,
      redisGiven: true,
      databaseGiven: true,
      redisUrl: 'redis://127.0.0.1:6400',
      databaseUrl: 'mysql://root@127.0.0.1:3400/x',
    });
    expect(loadStartSettings({ WORKERS: '' }).workers).toBe(2);
  });

  it("reads the client's STRONGBOX_TOKEN, treating an empty one as unset", () => {
    expect(loadStartSettings({ STRONGBOX_TOKEN: 'client-token' }).clientToken).toBe('client-token');
    expect(loadStartSettings({ STRONGBOX_TOKEN: '' }).clientToken).toBeUndefined();
    expect(loadStartSettings({}).clientToken).toBeUndefined();
  });

  it("lists a bad WORKERS together with the apps' bad variables in one error", () => {
    let error: unknown;
    try {
      loadStartSettings({ WORKERS: 'many', PORT: 'eighty' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^PORT="eighty": /);
    expect(problems[1]).toMatch(/^WORKERS="many": /);
  });

  it('refuses more than 64 workers', () => {
    expect(() => loadStartSettings({ WORKERS: '65' })).toThrow(/WORKERS="65": .*64/);
  });
});
