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

  it('reads the operations settings, with their defaults', () => {
    expect(loadConfig({})).toMatchObject({
      bullBoardReadOnly: false,
      metricsToken: null,
      metricsPort: null,
      rateLimit: { max: 1000, windowSeconds: 60 },
      logFormat: null,
    });
    expect(
      loadConfig({
        BULL_BOARD_READ_ONLY: 'true',
        METRICS_TOKEN: 'scrape',
        METRICS_PORT: '9464',
        RATE_LIMIT_MAX: '0',
        RATE_LIMIT_WINDOW_SECONDS: '10',
        LOG_FORMAT: 'pretty',
      }),
    ).toMatchObject({
      bullBoardReadOnly: true,
      metricsToken: 'scrape',
      metricsPort: 9464,
      rateLimit: { max: 0, windowSeconds: 10 },
      logFormat: 'pretty',
    });
  });

  it('refuses bad operations settings, naming each', () => {
    let error: unknown;
    try {
      loadConfig({
        METRICS_PORT: '0',
        RATE_LIMIT_WINDOW_SECONDS: '0',
        LOG_FORMAT: 'loud',
        RATE_LIMIT_MAX: '-1',
      });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    for (const name of ['METRICS_PORT', 'RATE_LIMIT_WINDOW_SECONDS', 'LOG_FORMAT', 'RATE_LIMIT_MAX']) {
      expect(problems.join('\n')).toContain(name);
    }
  });

  it('gives /metrics series of their own to 1000 folders by default, and to METRICS_FOLDER_LIMIT when set', () => {
    expect(loadConfig({}).metricsFolderLimit).toBe(1000);
    expect(loadConfig({ METRICS_FOLDER_LIMIT: '20000' }).metricsFolderLimit).toBe(20_000);
    expect(() => loadConfig({ METRICS_FOLDER_LIMIT: '0' })).toThrow(/METRICS_FOLDER_LIMIT="0": /);
    expect(() => loadConfig({ METRICS_FOLDER_LIMIT: '100001' })).toThrow(/METRICS_FOLDER_LIMIT="100001": /);
  });

  it('writes the audit rows of reads within 50 ms by default, and within AUDIT_FLUSH_MS when set', () => {
    expect(loadConfig({}).auditFlushMs).toBe(50);
    expect(loadConfig({ AUDIT_FLUSH_MS: '200' }).auditFlushMs).toBe(200);
    expect(() => loadConfig({ AUDIT_FLUSH_MS: '0' })).toThrow(/AUDIT_FLUSH_MS="0": /);
  });

  it('refuses private webhook addresses by default, and allows them with WEBHOOK_ALLOW_PRIVATE=true', () => {
    expect(loadConfig({}).webhookAllowPrivate).toBe(false);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate).toBe(true);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'maybe' })).toThrow(/WEBHOOK_ALLOW_PRIVATE="maybe": /);
  });

  it('reads no hooks file by default, and HOOKS_FILE resolved to an absolute path when set', () => {
    expect(loadConfig({}).hooksFile).toBeNull();
    expect(loadConfig({ HOOKS_FILE: '/etc/strongbox/hooks.json' }).hooksFile).toBe(
      '/etc/strongbox/hooks.json',
    );
    expect(loadConfig({ HOOKS_FILE: 'hooks.json' }).hooksFile).toBe(path.join(process.cwd(), 'hooks.json'));
  });

  it('waits out a database outage of 300 s by default, and of DB_OUTAGE_TOLERANCE_SECONDS when set', () => {
    expect(loadConfig({}).dbOutageToleranceSeconds).toBe(300);
    expect(loadConfig({ DB_OUTAGE_TOLERANCE_SECONDS: '900' }).dbOutageToleranceSeconds).toBe(900);
    expect(() => loadConfig({ DB_OUTAGE_TOLERANCE_SECONDS: '-1' })).toThrow(
      /DB_OUTAGE_TOLERANCE_SECONDS="-1": /,
    );
  });

  it('refuses a backup folder equal to the source root', () => {
    expect(() => loadConfig({ SOURCE_ROOT: '/srv/x', BACKUP_FOLDER: '/srv/x' })).toThrow(ConfigError);
  });
});
