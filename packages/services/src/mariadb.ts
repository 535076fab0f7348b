import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findBinary } from './find-binary.js';
import { freePort } from './free-port.js';
import { mysqlSendsGreeting } from './probes.js';
import type { LocalServer } from './redis.js';
import { logTail, spawnProcess, waitUntilReady } from './supervised-process.js';

export interface StartMariadbOptions {
  /**
   * The server's data directory: initialised when it holds no system tables yet, reused otherwise.
   * The server log is written beside it, to `<dataDir>.log`.
   */
  dataDir: string;
  /** @defaultValue a free port */
  port?: number;
  /** @defaultValue 60_000 */
  startTimeoutMs?: number;
}

const run = promisify(execFile);
const SERVER_NAMES = ['mariadbd', 'mysqld'];
const INSTALL_DB_NAMES = ['mariadb-install-db', 'mysql_install_db'];
const DEBIAN_PACKAGE = 'mariadb-server';
// A unix socket path must fit in 108 bytes.
const MAX_SOCKET_PATH = 100;

/**
 * Runs `mariadbd` (or `mysqld`) from the system as a child process on 127.0.0.1, with small buffers
 * and no binary log, and resolves once it sends its greeting. `root` has no password.
 * @throws MissingBinaryError when the server is not installed.
 */
export async function startMariadb(options: StartMariadbOptions): Promise<LocalServer> {
  const binary = findBinary(SERVER_NAMES, DEBIAN_PACKAGE);
  const dataDir = resolve(options.dataDir);
  const logFile = `${dataDir}.log`;
  const isMariadb = (await run(binary, ['--version'])).stdout.includes('MariaDB');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  await mkdir(dataDir, { recursive: true });
  // Temporary tables of its own, beside its data: never in a /tmp that other servers and tests share.
  const tmpDir = `${dataDir}.tmp`;
  await mkdir(tmpDir, { recursive: true });
  if (!existsSync(join(dataDir, 'mysql'))) {
    await initialise({ binary, dataDir, logFile, isMariadb, asRoot });
  }

  const port = options.port ?? (await freePort());
  const socketInDataDir = join(dataDir, 'mysqld.sock');
  const socket =
    socketInDataDir.length <= MAX_SOCKET_PATH
      ? socketInDataDir
      : join(tmpdir(), `strongbox-mysqld-${port}.sock`);
  const server = spawnProcess({
    name: 'mariadbd',
    command: binary,
    args: [
      '--no-defaults',
      ...asRoot,
      `--datadir=${dataDir}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-networking=0',
      `--socket=${socket}`,
      `--pid-file=${join(dataDir, 'mysqld.pid')}`,
      `--tmpdir=${tmpDir}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=16M',
      '--max-connections=500',
      ...(isMariadb ? [] : ['--mysqlx=OFF']),
    ],
    output: { file: logFile },
    // InnoDB flushes its buffers on SIGTERM; give it time before SIGKILL.
    stopTimeoutMs: 30_000,
  });
  await waitUntilReady(server, {
    probe: () => mysqlSendsGreeting(port),
    timeoutMs: options.startTimeoutMs ?? 60_000,
  });
  return { url: `mysql://root@127.0.0.1:${port}`, port, stop: () => server.stop() };
}

interface InitialiseOptions {
  binary: string;
  dataDir: string;
  logFile: string;
  isMariadb: boolean;
  asRoot: string[];
}

async function initialise({ binary, dataDir, logFile, isMariadb, asRoot }: InitialiseOptions): Promise<void> {
  // MySQL 8 dropped mysql_install_db; its server initialises the directory itself.
  const [command, args] = isMariadb
    ? [
        findBinary(INSTALL_DB_NAMES, DEBIAN_PACKAGE),
        [
          '--no-defaults',
          ...asRoot,
          `--datadir=${dataDir}`,
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
        ],
      ]
    : [binary, ['--no-defaults', ...asRoot, `--datadir=${dataDir}`, '--initialize-insecure']];
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 120_000 });
    await writeFile(logFile, stdout + stderr, { flag: 'a' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    await writeFile(logFile, stdout + stderr, { flag: 'a' });
    throw new Error(
      `Could not initialise a database directory in ${dataDir} with ${command}.${logTail(logFile)}`,
    );
  }
}
