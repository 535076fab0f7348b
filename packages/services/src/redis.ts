import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findBinary } from './find-binary.js';
import { freePort } from './free-port.js';
import { redisAnswersPing } from './probes.js';
import { spawnProcess, waitUntilReady } from './supervised-process.js';

export interface StartRedisOptions {
  /** Where Redis keeps its files (created if missing) and its log, `redis.log`. */
  dataDir: string;
  /** @defaultValue a free port */
  port?: number;
  /**
   * Keep the data between runs with an append-only file, so queued jobs survive a restart.
   * @defaultValue false
   */
  persistent?: boolean;
  /** @defaultValue 30_000 */
  startTimeoutMs?: number;
}

/** A server started by this process. */
export interface LocalServer {
  /** e.g. `redis://127.0.0.1:6390` or `mysql://root@127.0.0.1:3390` */
  url: string;
  port: number;
  /** SIGTERM, wait for the exit, SIGKILL after a timeout. */
  stop(): Promise<void>;
}

/**
 * Runs `redis-server` from the system as a child process on 127.0.0.1 and resolves once it answers
 * PING. BullMQ needs `maxmemory-policy noeviction`, so it is always set.
 * @throws MissingBinaryError when redis-server is not installed.
 */
export async function startRedis(options: StartRedisOptions): Promise<LocalServer> {
  const binary = findBinary(['redis-server'], 'redis-server');
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const persistence = options.persistent
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
    : ['--appendonly', 'no'];
  const server = spawnProcess({
    name: 'redis-server',
    command: binary,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--daemonize',
      'no',
      '--logfile',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      ...persistence,
    ],
    output: { file: join(dataDir, 'redis.log') },
  });
  await waitUntilReady(server, {
    probe: () => redisAnswersPing(port),
    timeoutMs: options.startTimeoutMs,
  });
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => server.stop() };
}
