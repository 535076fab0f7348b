import { promises as fsp } from 'node:fs';
import { errnoOf } from './errors.js';

// Linux counts a process's start in clock ticks since boot; USER_HZ is 100 on every architecture
// Linux runs on with a stable ABI.
const TICKS_PER_SECOND = 100;
let bootTimeMs: Promise<number | undefined> | undefined;

/**
 * When the process `pid` of this machine started, in ms since the epoch: null when no such process
 * runs, undefined when it runs but its start cannot be read.
 */
export async function processStartedAt(pid: number): Promise<number | null | undefined> {
  if (!isRunning(pid)) return null;
  let stat: string;
  try {
    stat = await fsp.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    return errnoOf(error) === 'ENOENT' ? null : undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  const boot = await bootTime();
  if (!Number.isFinite(ticks) || boot === undefined) return undefined;
  return boot + (ticks * 1000) / TICKS_PER_SECOND;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

function bootTime(): Promise<number | undefined> {
  bootTimeMs ??= fsp
    .readFile('/proc/stat', 'utf8')
    .then((text) => {
      const line = text.split('\n').find((l) => l.startsWith('btime '));
      return line ? Number(line.slice(6)) * 1000 : undefined;
    })
    .catch(() => undefined);
  return bootTimeMs;
}
