import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { lookUp } from './find-binary.js';
import { freePort } from './free-port.js';
import { MissingBinaryError } from './missing-binary-error.js';
import { httpAnswers } from './probes.js';
import type { LocalServer } from './redis.js';
import { spawnProcess, waitUntilReady } from './supervised-process.js';

/** The S3 server's command: Python's moto, installed with pip (it is not a Debian package). */
export const S3_SERVER = 'moto_server';
const S3_SERVER_INSTALL = "pip install 'moto[server]'";

export interface StartS3ServerOptions {
  /** Where its log, `s3.log`, goes (created if missing). It keeps its objects in memory. */
  dataDir: string;
  /** @defaultValue a free port */
  port?: number;
  /** @defaultValue 30_000 */
  startTimeoutMs?: number;
}

/** Where `moto_server` is installed, or undefined. */
export function findS3Server(): string | undefined {
  return lookUp([S3_SERVER]);
}

/** Where `moto_server` is installed. @throws MissingBinaryError saying how to install it. */
export function requireS3Server(): string {
  const binary = findS3Server();
  if (binary === undefined) throw new MissingBinaryError([S3_SERVER], 'python3-moto', S3_SERVER_INSTALL);
  return binary;
}

/**
 * Runs an S3-compatible HTTP server (`moto_server`) on 127.0.0.1 and resolves once it answers a
 * bucket listing. Its `url` is the endpoint, e.g. `http://127.0.0.1:5390`; it takes any
 * credentials and keeps everything in memory, for the tests.
 * @throws MissingBinaryError when moto_server is not installed.
 */
export async function startS3Server(options: StartS3ServerOptions): Promise<LocalServer> {
  const binary = requireS3Server();
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const server = spawnProcess({
    name: S3_SERVER,
    command: binary,
    args: ['-H', '127.0.0.1', '-p', String(port)],
    output: { file: join(dataDir, 's3.log') },
  });
  await waitUntilReady(server, { probe: () => httpAnswers(`${url}/`), timeoutMs: options.startTimeoutMs });
  return { url, port, stop: () => server.stop() };
}
