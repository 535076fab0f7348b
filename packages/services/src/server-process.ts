import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { lookUp } from './find-binary.js';

/** A server running as a child of this process, its output going to a log file. */
export interface ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<string>;
  /** SIGTERM, wait up to `timeoutMs`, then SIGKILL. Resolves once the process is gone. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnServerOptions {
  /** Used in error messages, e.g. `redis-server`. */
  name: string;
  command: string;
  args: readonly string[];
  /** stdout and stderr are appended here; its tail goes into start-up errors. */
  logFile: string;
}

export interface WaitUntilReadyOptions {
  /** Resolves true once the server answers; false or a rejection means "not yet". */
  probe: () => Promise<boolean>;
  /** @defaultValue 30_000 */
  timeoutMs?: number;
}

const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts `command` as a child in its own process group, so that a Ctrl-C in the terminal reaches only
 * this process, which then stops its servers in order. Where `setpriv` exists the child also gets
 * SIGTERM if this process dies without cleaning up (e.g. SIGKILL).
 */
export function spawnServer(options: SpawnServerOptions): ServerProcess {
  const { name, logFile } = options;
  const log = openSync(logFile, 'a');
  const setpriv = process.platform === 'linux' ? lookUp(['setpriv']) : undefined;
  const [command, args] =
    setpriv === undefined
      ? [options.command, options.args]
      : [setpriv, ['--pdeathsig', 'SIGTERM', options.command, ...options.args]];
  const child = spawn(command, args, { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  installExitHook();
  running.add(child);

  const exited = new Promise<string>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      running.delete(child);
      resolve(signal === null ? `exit code ${code}` : `signal ${signal}`);
    };
    child.once('exit', done);
    child.once('error', (error) => {
      running.delete(child);
      resolve(`spawn error: ${error.message}`);
    });
  });

  const stop = async (timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> => {
    if (!running.has(child)) return;
    child.kill('SIGTERM');
    const timer = new AbortController();
    const timeout = sleep(timeoutMs, 'timeout' as const, { signal: timer.signal }).catch(() => 'cancelled');
    const outcome = await Promise.race([exited, timeout]);
    timer.abort();
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };

  return { name, child, logFile, exited, stop };
}

/**
 * Polls `probe` until it succeeds. Fails with the log tail when the server exits or does not answer in
 * time (and then stops it).
 */
export async function waitUntilReady(server: ServerProcess, options: WaitUntilReadyOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let exitedWith: string | undefined;
  void server.exited.then((how) => {
    exitedWith = how;
  });
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${server.name} exited during start-up (${exitedWith}).${logTail(server.logFile)}`);
    }
    if (await options.probe().catch(() => false)) return;
    await sleep(50);
  }
  await server.stop();
  throw new Error(`${server.name} did not answer within ${timeoutMs} ms.${logTail(server.logFile)}`);
}

/** The last lines of a log file, formatted to be appended to an error message. */
export function logTail(logFile: string, lines = 20): string {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return tail === '' ? '' : `\nLast lines of ${logFile}:\n${tail}`;
}

// A last resort for when the owner did not call stop(): signal every child still running.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', signalAllServers);
}

/** Sends SIGTERM to every server this process started and has not stopped yet, without waiting. */
export function signalAllServers(): void {
  for (const child of running) child.kill('SIGTERM');
}
