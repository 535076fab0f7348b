// `npm start`: the whole stack on one machine. Redis and MariaDB/MySQL come from the system's binaries
// (data kept in .strongbox/ between runs) unless REDIS_URL / DATABASE_URL are given; then one API and
// WORKERS workers. Ctrl-C stops the apps first, then the servers. Runs after `turbo run build`.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@strongbox/config';
import {
  loadStartSettings,
  MissingBinaryError,
  startApi,
  startMariadb,
  startRedis,
  startWorker,
  welcomeText,
} from '@strongbox/services';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(repo, '.strongbox');

const settings = readSettings();
/** @type {{ name: string; stop(): Promise<void> }[]} */
const servers = [];
/** @type {import('@strongbox/services').SupervisedProcess[]} */
const apps = [];
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
  };
  await startApp('api', () => startApi({ root: repo, env, url: baseUrl(), output: printer('api') }));
  for (let i = 1; i <= settings.workers && !stopping; i++) {
    const name = `worker-${i}`;
    await startApp(name, () => startWorker({ root: repo, env, name, output: printer(name) }));
  }
  printWelcome();
}

function readSettings() {
  try {
    return loadStartSettings(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

async function startServers() {
  const starting = [
    settings.redisGiven
      ? undefined
      : startRedis({ dataDir: join(stateDir, 'redis'), persistent: true }).then((redis) =>
          track('redis', redis),
        ),
    settings.databaseGiven
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
    redisUrl: redis?.url ?? settings.redisUrl,
    databaseUrl: mariadb ? `${mariadb.url}/strongbox` : settings.databaseUrl,
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

/** Starts one app; once it runs, its exit while nothing asked it to stop stops everything. */
async function startApp(name, start) {
  const app = await start();
  apps.push(app);
  void app.exited.then((how) => {
    if (stopping) return;
    console.error(`${label(name)}| exited unexpectedly (${how}); stopping everything`);
    void shutdown(1);
  });
}

function printer(name) {
  const prefix = `${label(name)}| `;
  return (line) => process.stdout.write(`${prefix}${line}\n`);
}

function label(name) {
  return name.padEnd(9);
}

function baseUrl() {
  const host = ['0.0.0.0', '::', ''].includes(settings.host) ? '127.0.0.1' : settings.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${settings.port}`;
}

function printWelcome() {
  if (stopping) return;
  console.log(
    welcomeText({
      baseUrl: baseUrl(),
      workers: settings.workers,
      sourceRoot: settings.sourceRoot,
      backupFolder: settings.backupFolder,
      apiTokens: settings.apiTokens,
      clientToken: settings.clientToken,
    }),
  );
}

function onSignal(signal) {
  if (stopping) {
    console.error(`${signal} again: killing the apps without waiting`);
    for (const app of apps) app.child.kill('SIGKILL');
    process.exit(1);
  }
  console.log(`\n${signal}: stopping`);
  void shutdown(0);
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await Promise.all(apps.map((app) => app.stop()));
  await Promise.all(servers.map((server) => server.stop().catch((error) => console.error(error.message))));
  console.log(code === 0 ? 'Strongbox stopped.' : 'Strongbox stopped after an error.');
  process.exit(code);
}
