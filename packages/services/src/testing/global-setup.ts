import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findBinary } from '../find-binary.js';
import { startMariadb } from '../mariadb.js';
import { type LocalServer, startRedis } from '../redis.js';
import { findS3Server, requireS3Server, startS3Server } from '../s3.js';
import { signalAllProcesses } from '../supervised-process.js';
import './provided-context.js';

/**
 * vitest global setup: provides `redisUrl` and `databaseUrl` to the tests. Takes them from REDIS_URL and
 * DATABASE_URL when set (`databaseUrl` without the database name); otherwise starts throwaway servers
 * from the system's binaries in a temp dir, and removes them at teardown. Provides `s3Endpoint`, an
 * S3 server (`moto_server`) started the same way: `''` when it is not installed, except in CI
 * (`CI=true`), where its absence stops the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redisUrl = process.env.REDIS_URL || undefined;
  const databaseUrl = process.env.DATABASE_URL || undefined;
  // Fail at once, before starting anything, when a binary is missing.
  if (redisUrl === undefined) findBinary(['redis-server'], 'redis-server');
  if (databaseUrl === undefined) findBinary(['mariadbd', 'mysqld'], 'mariadb-server');
  const withS3 = findS3Server() !== undefined;
  if (process.env.CI === 'true') requireS3Server();

  const started: LocalServer[] = [];
  const root = await mkdtemp(join(tmpdir(), 'strongbox-test-'));
  const teardown = async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all(started.map((server) => server.stop()));
    await rm(root, { recursive: true, force: true });
  };
  // The servers run in their own process group, so a Ctrl-C does not reach them: pass it on. When
  // nothing else listens, re-raise the signal so that the default (terminate) still happens.
  const onSignal = (signal: NodeJS.Signals) => {
    signalAllProcesses();
    if (process.listenerCount(signal) === 1) {
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const [redis, mariadb, s3] = await startAll([
      redisUrl === undefined ? startRedis({ dataDir: join(root, 'redis') }) : undefined,
      databaseUrl === undefined ? startMariadb({ dataDir: join(root, 'mariadb') }) : undefined,
      withS3 ? startS3Server({ dataDir: join(root, 's3') }) : undefined,
    ]);
    started.push(...[redis, mariadb, s3].filter((server) => server !== undefined));
    project.provide('redisUrl', redis?.url ?? redisUrl!);
    project.provide('databaseUrl', mariadb?.url ?? serverUrl(databaseUrl!));
    project.provide('s3Endpoint', s3?.url ?? '');
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

// Tests get the server, not a database on it: each creates its own with createTestDatabase.
function serverUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '';
  return url.toString().replace(/\/$/, '');
}

// Like Promise.all, but when one fails the others are still waited for and stopped.
async function startAll<T extends (Promise<LocalServer> | undefined)[]>(
  starting: T,
): Promise<{ [K in keyof T]: LocalServer | undefined }> {
  const results = await Promise.allSettled(starting);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(
      results.map((result) => (result.status === 'fulfilled' ? result.value?.stop() : undefined)),
    );
    throw failure.reason;
  }
  return results.map((result) => (result.status === 'fulfilled' ? result.value : undefined)) as {
    [K in keyof T]: LocalServer | undefined;
  };
}
