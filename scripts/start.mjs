// `npm start`: the whole stack on one machine. Redis and MariaDB/MySQL come from the system's binaries
// (data kept in .strongbox/ between runs) unless REDIS_URL / DATABASE_URL are given; then one API and
// WORKERS workers. Ctrl-C stops the apps first, then the servers. Runs after `turbo run build`.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { findBinary, MissingBinaryError, startMariadb, startRedis } from '@strongbox/services';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(repo, '.strongbox');
const APP_STOP_TIMEOUT_MS = 15_000;
const HEALTH_TIMEOUT_MS = 60_000;

const settings = readSettings(process.env);
/** @type {{ name: string; stop(): Promise<void> }[]} */
const servers = [];
/** @type {Map<string, import('node:child_process').ChildProcess>} */
const apps = new Map();
let stopping = false;

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  await main();
} catch (error) {
  if (!stopping) {
    console.error(error instanceof MissingBinaryError ? error.message : `Could not start: ${error.message}`);
    await shutdown(1);
  }
}

async function main() {
  const { redisUrl, databaseUrl } = await startServers();
  if (stopping) return; // interrupted while the servers were starting
  prepareFolders();
  const env = {
    ...process.env,
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    SOURCE_ROOT: settings.sourceRoot,
    BACKUP_FOLDER: settings.backupFolder,
    HOST: settings.host,
    PORT: String(settings.port),
  };
  startApp('api', 'apps/api/dist/main.js', env);
  for (let i = 1; i <= settings.workers; i++) startApp(`worker-${i}`, 'apps/worker/dist/main.js', env);
  await waitForHealth();
  printWelcome();
}

function readSettings(env) {
  const problems = [];
  const workers = Number(env.WORKERS ?? '2');
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
    problems.push(`WORKERS must be a whole number from 0 to 64, got "${env.WORKERS}"`);
  }
  const port = Number(env.PORT || '3000');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push(`PORT must be a port number, got "${env.PORT}"`);
  }
  if (problems.length > 0) {
    console.error(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  return {
    workers,
    port,
    host: env.HOST || '127.0.0.1',
    sourceRoot: resolve(env.SOURCE_ROOT || 'data'),
    backupFolder: resolve(env.BACKUP_FOLDER || 'backup'),
    redisUrl: env.REDIS_URL || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
  };
}

async function startServers() {
  const starting = [
    settings.redisUrl
      ? undefined
      : startRedis({ dataDir: join(stateDir, 'redis'), persistent: true }).then((redis) =>
          track('redis', redis),
        ),
    settings.databaseUrl
      ? undefined
      : startMariadb({ dataDir: join(stateDir, 'mariadb') }).then((mariadb) => track('mariadb', mariadb)),
  ];
  const results = await Promise.allSettled(starting);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  const [redis, mariadb] = results.map((result) =>
    result.status === 'fulfilled' ? result.value : undefined,
  );
  if (redis) console.log(`redis    | ${redis.url} (data in .strongbox/redis)`);
  if (mariadb) console.log(`mariadb  | ${mariadb.url} (data in .strongbox/mariadb)`);
  return {
    redisUrl: settings.redisUrl ?? redis.url,
    databaseUrl: settings.databaseUrl ?? `${mariadb.url}/strongbox`,
  };
}

function track(name, server) {
  servers.push({ name, stop: server.stop });
  return server;
}

// An empty source root gets an example folder, so that the printed curl line works at once.
function prepareFolders() {
  mkdirSync(settings.sourceRoot, { recursive: true });
  mkdirSync(settings.backupFolder, { recursive: true });
  if (readdirSync(settings.sourceRoot).length > 0) return;
  const example = join(settings.sourceRoot, 'example');
  mkdirSync(join(example, 'notes'), { recursive: true });
  writeFileSync(join(example, 'hello.txt'), 'Hello from Strongbox.\n');
  writeFileSync(join(example, 'notes', 'todo.md'), '- back this folder up\n- look at the logs\n');
}

function startApp(name, script, env) {
  // Its own process group: a Ctrl-C reaches only this script, which stops the apps in order. setpriv
  // makes the kernel stop the app if this script dies without cleaning up.
  const setpriv = process.platform === 'linux' ? optionalBinary('setpriv') : undefined;
  const [command, args] = setpriv
    ? [setpriv, ['--pdeathsig', 'SIGTERM', process.execPath, script]]
    : [process.execPath, [script]];
  const child = spawn(command, args, { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  apps.set(name, child);
  prefixLines(name, child.stdout, process.stdout);
  prefixLines(name, child.stderr, process.stderr);
  child.once('error', (error) => console.error(`${label(name)}| could not start: ${error.message}`));
  child.once('exit', (code, signal) => {
    apps.delete(name);
    if (stopping) return;
    console.error(
      `${label(name)}| exited unexpectedly (${signal ?? `exit code ${code}`}); stopping everything`,
    );
    void shutdown(1);
  });
}

function prefixLines(name, from, to) {
  const prefix = `${label(name)}| `;
  createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
    to.write(`${prefix}${line}\n`);
  });
}

function label(name) {
  return name.padEnd(9);
}

async function waitForHealth() {
  const url = `${baseUrl()}/health`;
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`the API did not answer ${url} within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

function baseUrl() {
  const host = ['0.0.0.0', '::', ''].includes(settings.host) ? '127.0.0.1' : settings.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${settings.port}`;
}

function printWelcome() {
  if (stopping) return;
  const base = baseUrl();
  console.log(`
Strongbox is running at ${base} with ${settings.workers} worker(s).
  source root:   ${settings.sourceRoot}
  backup folder: ${settings.backupFolder}

Try:
  curl -s -X POST ${base}/backups -H 'content-type: application/json' -d '{"folder":"example"}'
  curl -s ${base}/logs
  curl -s ${base}/stats

Press Ctrl-C to stop.
`);
}

function onSignal(signal) {
  if (stopping) {
    console.error(`${signal} again: killing the apps without waiting`);
    for (const child of apps.values()) child.kill('SIGKILL');
    process.exit(1);
  }
  console.log(`\n${signal}: stopping`);
  void shutdown(0);
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await Promise.all([...apps.values()].map((child) => stopChild(child)));
  await Promise.all(servers.map((server) => server.stop().catch((error) => console.error(error.message))));
  console.log(code === 0 ? 'Strongbox stopped.' : 'Strongbox stopped after an error.');
  process.exit(code);
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = new AbortController();
  const outcome = await Promise.race([
    exited,
    sleep(APP_STOP_TIMEOUT_MS, 'timeout', { signal: timer.signal }).catch(() => undefined),
  ]);
  timer.abort();
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

function optionalBinary(name) {
  try {
    return findBinary([name], 'util-linux');
  } catch {
    return undefined;
  }
}
