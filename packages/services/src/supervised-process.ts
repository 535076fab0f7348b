import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { lookUp } from './find-binary.js';
import { stopProcess } from './stop-process.js';

/** A process started by {@link spawnProcess}. */
export interface SupervisedProcess {
  /** Used in messages, e.g. `redis-server` or `worker-2`. */
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves, never rejects, with how the process ended: `exit code 0`, `signal SIGKILL`, `spawn error: …`. */
  readonly exited: Promise<string>;
  /** Its last lines of output, formatted to be appended to an error message; '' when it printed nothing. */
  tail(): string;
  /**
   * SIGTERM, then SIGKILL if it is still there after `timeoutMs`; resolves once it is gone.
   * @defaultValue the `stopTimeoutMs` it was spawned with
   */
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnProcessOptions {
  /** Used in messages, e.g. `redis-server` or `worker-2`. */
  name: string;
  command: string;
  args: readonly string[];
  /** @defaultValue this process's environment */
  env?: NodeJS.ProcessEnv;
  /** @defaultValue this process's working directory */
  cwd?: string;
  /**
   * Where stdout and stderr go: appended to a log `file` (which outlives this process), or handed to
   * `lines` one line at a time.
   */
  output: { file: string } | { lines: (line: string) => void };
  /**
   * How long {@link SupervisedProcess.stop} waits after SIGTERM before SIGKILL.
   * @defaultValue 10_000
   */
  stopTimeoutMs?: number;
}

export interface WaitUntilReadyOptions {
  /** Resolves true once the process answers; false or a rejection means "not yet". */
  probe: () => Promise<boolean>;
  /** @defaultValue 30_000 */
  timeoutMs?: number;
}

const TAIL_LINES = 20;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts `command` as a child in its own process group, so that a Ctrl-C in the terminal reaches only
 * this process, which then stops its children in order. Where `setpriv` exists the child also gets
 * SIGTERM if this process dies without cleaning up (e.g. SIGKILL), and this process's own exit sends
 * SIGTERM to every child still running.
 */
export function spawnProcess(options: SpawnProcessOptions): SupervisedProcess {
  const { name, output } = options;
  const setpriv = process.platform === 'linux' ? lookUp(['setpriv']) : undefined;
  const [command, args] =
    setpriv === undefined
      ? [options.command, options.args]
      : [setpriv, ['--pdeathsig', 'SIGTERM', options.command, ...options.args]];
  const logFd = 'file' in output ? openSync(output.file, 'a') : undefined;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
    detached: true,
  });
  if (logFd !== undefined) closeSync(logFd);
  installExitHook();
  running.add(child);

  const recent: string[] = [];
  if ('lines' in output) {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        recent.push(line);
        if (recent.length > TAIL_LINES) recent.shift();
        output.lines(line);
      });
    }
  }

  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal === null ? `exit code ${code}` : `signal ${signal}`);
    });
    child.once('error', (error) => {
      running.delete(child);
      resolve(`spawn error: ${error.message}`);
    });
  });

  const tail = () =>
    'file' in output ? logTail(output.file) : formatTail(`Last lines of ${name}`, recent.join('\n'));
  const stop = (timeoutMs = options.stopTimeoutMs) => stopProcess(child, { timeoutMs });
  return { name, child, exited, tail, stop };
}

/**
 * Polls `probe` until it succeeds. Fails with the process's last lines of output when it exits or does
 * not answer in time (and then stops it).
 */
export async function waitUntilReady(
  supervised: SupervisedProcess,
  options: WaitUntilReadyOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let exitedWith: string | undefined;
  void supervised.exited.then((how) => {
    exitedWith = how;
  });
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${supervised.name} exited during start-up (${exitedWith}).${supervised.tail()}`);
    }
    if (await options.probe().catch(() => false)) return;
    await sleep(50);
  }
  await supervised.stop();
  throw new Error(`${supervised.name} did not answer within ${timeoutMs} ms.${supervised.tail()}`);
}

/** The last lines of a log file, formatted to be appended to an error message. */
export function logTail(logFile: string): string {
  try {
    return formatTail(`Last lines of ${logFile}`, readFileSync(logFile, 'utf8'));
  } catch {
    return '';
  }
}

function formatTail(title: string, text: string): string {
  const tail = text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  return tail === '' ? '' : `\n${title}:\n${tail}`;
}

// A last resort for when the owner did not call stop(): signal every child still running.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', signalAllProcesses);
}

/** Sends SIGTERM to every process spawned here that has not exited yet, without waiting. */
export function signalAllProcesses(): void {
  for (const child of running) child.kill('SIGTERM');
}
