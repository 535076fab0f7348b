import type { ChildProcess } from 'node:child_process';

export interface StopProcessOptions {
  /** @defaultValue 'SIGTERM' */
  signal?: NodeJS.Signals;
  /**
   * How long the process has to exit after `signal` before it gets SIGKILL.
   * @defaultValue 10_000
   */
  timeoutMs?: number;
}

/**
 * Sends `signal` (SIGTERM) to `child`, SIGKILL if it is still there after `timeoutMs`, and resolves once
 * it has exited. A process that already exited, or never started, resolves at once.
 */
export async function stopProcess(child: ChildProcess, options: StopProcessOptions = {}): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(options.signal ?? 'SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10_000);
  await exited;
  clearTimeout(timer);
}
