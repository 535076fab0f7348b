import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from './apps.js';
import { stopProcess } from './stop-process.js';
import { spawnProcess, waitUntilReady } from './supervised-process.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'strongbox-supervisor-test-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A node process that prints `ready`, then waits; with `ignoresTerm`, it ignores SIGTERM.
const script = (ignoresTerm: boolean) =>
  `${ignoresTerm ? "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" : ''}` +
  "console.log('ready'); setInterval(() => {}, 1000);";

function nodeProcess(name: string, code: string, lines: string[]) {
  return spawnProcess({
    name,
    command: process.execPath,
    args: ['-e', code],
    output: { lines: (line) => lines.push(line) },
  });
}

describe('stopProcess', () => {
  it('ends a process with SIGTERM when it obeys', async () => {
    const child = spawn(process.execPath, ['-e', script(false)], { stdio: 'ignore' });
    await stopProcess(child, { timeoutMs: 60_000 });
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('sends SIGKILL to a process that ignores SIGTERM, once the timeout has passed', async () => {
    const lines: string[] = [];
    const deaf = nodeProcess('deaf', script(true), lines);
    await waitUntilReady(deaf, { probe: async () => lines.includes('ready') });
    await stopProcess(deaf.child, { timeoutMs: 200 });
    expect(deaf.child.signalCode).toBe('SIGKILL');
    expect(await deaf.exited).toBe('signal SIGKILL');
    expect(lines).toContain('ignoring SIGTERM');
  });

  it('resolves at once for a process that has already exited', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(4)'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    await stopProcess(child);
    expect(child.exitCode).toBe(4);
  });
});

describe('spawnProcess', () => {
  it('hands each line of stdout and stderr to `lines`, and keeps the last ones for messages', async () => {
    const lines: string[] = [];
    const child = nodeProcess('printer', "console.log('one\\ntwo'); console.error('three');", lines);
    expect(await child.exited).toBe('exit code 0');
    expect([...lines].sort()).toEqual(['one', 'three', 'two']);
    expect(child.tail()).toMatch(/^\nLast lines of printer:\n/);
  });

  it('appends output to a log file', async () => {
    const file = join(root, 'appended.log');
    await writeFile(file, 'earlier\n');
    const child = spawnProcess({
      name: 'logger',
      command: process.execPath,
      args: ['-e', "console.log('later')"],
      output: { file },
    });
    await child.exited;
    expect(child.tail()).toBe(`\nLast lines of ${file}:\nearlier\nlater`);
  });

  it('stops with the timeout it was spawned with', async () => {
    const lines: string[] = [];
    const deaf = spawnProcess({
      name: 'deaf',
      command: process.execPath,
      args: ['-e', script(true)],
      output: { lines: (line) => lines.push(line) },
      stopTimeoutMs: 100,
    });
    await waitUntilReady(deaf, { probe: async () => lines.includes('ready') });
    await deaf.stop();
    expect(await deaf.exited).toBe('signal SIGKILL');
  });
});

describe('waitUntilReady', () => {
  it('fails with how the process ended and its last lines when it exits during start-up', async () => {
    const failing = nodeProcess('failing', "console.error('cannot bind'); process.exit(3);", []);
    await expect(waitUntilReady(failing, { probe: async () => false })).rejects.toThrow(
      'failing exited during start-up (exit code 3).\nLast lines of failing:\ncannot bind',
    );
  });

  it('stops a process that does not answer in time', async () => {
    const silent = nodeProcess('silent', script(false), []);
    await expect(waitUntilReady(silent, { probe: async () => false, timeoutMs: 300 })).rejects.toThrow(
      /^silent did not answer within 300 ms\./,
    );
    expect(await silent.exited).toBe('signal SIGTERM');
  });
});

describe('startWorker', () => {
  it('refuses a LOG_LEVEL that would hide the line it waits for', async () => {
    await expect(startWorker({ root, env: { LOG_LEVEL: 'warn' }, output: () => {} })).rejects.toThrow(
      'startWorker needs LOG_LEVEL info, debug or trace to see the worker start, got warn',
    );
  });

  it('refuses LOG_FORMAT=pretty, whose lines it cannot read', async () => {
    await expect(startWorker({ root, env: { LOG_FORMAT: 'pretty' }, output: () => {} })).rejects.toThrow(
      'startWorker reads JSON log lines to see the worker start: unset LOG_FORMAT or set it to json',
    );
  });
});
