import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  findBinary,
  findS3Server,
  freePort,
  MissingBinaryError,
  startMariadb,
  startRedis,
  startS3Server,
} from './index.js';
import { mysqlSendsGreeting, redisAnswersPing } from './probes.js';
import { checkS3, cleanupRedisPrefix, createTestDatabase, testPrefix } from './testing/helpers.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strongbox-services-test-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('findBinary', () => {
  it('finds an installed binary', () => {
    expect(findBinary(['no-such-binary-here', 'sh'], 'dash')).toMatch(/\/sh$/);
  });

  it('names the Debian package to install when the binary is missing', () => {
    const find = () => findBinary(['no-such-server'], 'no-such-package');
    expect(find).toThrow(MissingBinaryError);
    expect(find).toThrow(
      'no-such-server was not found. Install it with: sudo apt-get install no-such-package',
    );
  });
});

describe('startRedis', () => {
  it('runs a Redis that answers until it is stopped', async () => {
    const redis = await startRedis({ dataDir: join(root, 'redis') });
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const client = new Redis(redis.url);
    try {
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    } finally {
      client.disconnect();
    }
    await redis.stop();
    await expect(redisAnswersPing(redis.port)).rejects.toThrow();
  });

  it('keeps data between runs when persistent', async () => {
    const dataDir = join(root, 'redis-persistent');
    const first = await startRedis({ dataDir, persistent: true });
    const writer = new Redis(first.url);
    await writer.set('survives', 'yes');
    writer.disconnect();
    await first.stop();

    const second = await startRedis({ dataDir, persistent: true });
    const reader = new Redis(second.url);
    try {
      expect(await reader.get('survives')).toBe('yes');
    } finally {
      reader.disconnect();
      await second.stop();
    }
  });

  it('fails with the tail of its log when the port is taken', async () => {
    const port = await freePort();
    const blocker = await listen(port);
    try {
      await expect(startRedis({ dataDir: join(root, 'redis-busy'), port })).rejects.toThrow(
        /redis-server exited during start-up[\s\S]*Last lines of .*redis\.log/,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('startMariadb', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('keeps its temporary tables beside its data, never in the temporary folder other servers share', async () => {
    const dataDir = join(root, 'mariadb');
    const server = await startMariadb({ dataDir });
    cleanups.push(() => server.stop());
    const connection = await mysql.createConnection(server.url);
    cleanups.push(() => connection.end());
    const [rows] = await connection.query('SELECT @@tmpdir AS tmpdir');
    expect(rows).toEqual([{ tmpdir: `${dataDir}.tmp` }]);
  });
});

describe('MissingBinaryError', () => {
  it('says how to install a binary that is not a Debian package', () => {
    expect(
      new MissingBinaryError(['moto_server'], 'python3-moto', "pip install 'moto[server]'").message,
    ).toBe("moto_server was not found. Install it with: pip install 'moto[server]'");
  });
});

const s3Installed = findS3Server() !== undefined;
const s3Skipped = checkS3({ ci: false, endpoint: s3Installed ? 'installed' : '' });
if (!s3Skipped.run && process.env.CI !== 'true') console.warn(s3Skipped.reason);

describe.runIf(s3Installed || process.env.CI === 'true')('startS3Server', () => {
  it('runs an S3 server that lists its (no) buckets until it is stopped', async () => {
    const s3 = await startS3Server({ dataDir: join(root, 's3') });
    expect(s3.url).toBe(`http://127.0.0.1:${s3.port}`);
    try {
      const response = await fetch(`${s3.url}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<ListAllMyBucketsResult');
    } finally {
      await s3.stop();
    }
    await expect(fetch(`${s3.url}/`)).rejects.toThrow('fetch failed');
  });
});

describe('checkS3', () => {
  it('runs the S3 tests against the provided endpoint', () => {
    expect(checkS3({ ci: true, endpoint: 'http://127.0.0.1:5390' })).toEqual({
      run: true,
      endpoint: 'http://127.0.0.1:5390',
    });
  });

  it('fails in CI without an S3 server, and skips them elsewhere saying what to install', () => {
    expect(() => checkS3({ ci: true, endpoint: '' })).toThrow(
      'moto_server is not installed, and CI must run the S3 tests against it (.ci/run checks it)',
    );
    expect(checkS3({ ci: false, endpoint: '' })).toEqual({
      run: false,
      reason: "Tests against S3 skipped: they need moto_server (pip install 'moto[server]')",
    });
  });

  it('is given an endpoint by the global setup where moto_server is installed', () => {
    expect(inject('s3Endpoint') !== '').toBe(s3Installed);
  });
});

describe('startMariadb', () => {
  it('initialises a data directory, serves root without a password, and reuses it next time', async () => {
    const dataDir = join(root, 'mariadb');
    const first = await startMariadb({ dataDir });
    expect(first.url).toBe(`mysql://root@127.0.0.1:${first.port}`);
    await query(first.url, 'CREATE DATABASE kept');
    await first.stop();
    await expect(mysqlSendsGreeting(first.port)).rejects.toThrow();

    const second = await startMariadb({ dataDir });
    try {
      const rows = await query(second.url, "SHOW DATABASES LIKE 'kept'");
      expect(rows).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe('test helpers', () => {
  it('creates a database of its own on the provided server and drops it', async () => {
    const database = await createTestDatabase();
    expect(database.name).toMatch(/^strongbox_test_[0-9a-f]{12}$/);
    expect(await query(database.url, 'SELECT DATABASE() AS name')).toEqual([{ name: database.name }]);
    await database.drop();
    expect(await query(inject('databaseUrl'), `SHOW DATABASES LIKE '${database.name}'`)).toHaveLength(0);
  });

  it('removes every key under a prefix and nothing else', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = testPrefix();
    const other = testPrefix();
    const client = new Redis(redisUrl);
    try {
      await client.mset(`${prefix}:a`, '1', `${prefix}:queue:b`, '2', `${other}:c`, '3');
      await cleanupRedisPrefix(redisUrl, prefix);
      expect(await client.keys(`${prefix}:*`)).toEqual([]);
      expect(await client.get(`${other}:c`)).toBe('3');
      await cleanupRedisPrefix(redisUrl, other);
    } finally {
      client.disconnect();
    }
  });
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const connection = await mysql.createConnection({ uri: url });
  try {
    const [rows] = await connection.query(sql);
    return rows as unknown[];
  } finally {
    await connection.end();
  }
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
