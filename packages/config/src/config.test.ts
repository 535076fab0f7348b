import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

describe('loadConfig', () => {
  it('gives the contract defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      databaseUrl: 'mysql://root@127.0.0.1:3306/strongbox',
      queuePrefix: 'strongbox',
      sourceRoot: path.resolve('./data'),
      backupFolder: path.resolve('./backup'),
      host: '127.0.0.1',
      port: 3000,
      apiTokens: [],
      allowNoAuth: false,
      workerConcurrency: 2,
      logLevel: 'info',
    });
  });

  it('splits API_TOKENS and treats empty strings as unset', () => {
    const config = loadConfig({ API_TOKENS: ' a , b,,', PORT: '' });
    expect(config.apiTokens).toEqual(['a', 'b']);
    expect(config.port).toBe(3000);
  });

  it('lists every bad variable in one error, and never echoes tokens', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', WORKER_CONCURRENCY: '0', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'REDIS_URL', 'WORKER_CONCURRENCY', 'LOG_LEVEL'])
      expect(problems).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('refuses a backup folder equal to the source root', () => {
    expect(() => loadConfig({ SOURCE_ROOT: '/srv/x', BACKUP_FOLDER: '/srv/x' })).toThrow(ConfigError);
  });
});
