import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { call, makeFolder, type Stack, startStack, waitFor, waitForJob } from '../stack.js';
import { CLI_BIN } from './run-cli.js';

// The CLI in a real terminal: tmux runs it in a pane, capture-pane reads the screen. The worker
// is paused (SIGSTOP) and resumed step by step, so that the bar is read at known figures however
// fast the machine copies.
const FILES = 128;
const FILE_BYTES = 8 * 1024 * 1024;

let stack: Stack;
let scratch: string;

beforeAll(async () => {
  stack = await startStack({ workers: 1 });
  scratch = await mkdtemp(path.join(tmpdir(), 'strongbox-tmux-'));
});

afterAll(async () => {
  for (const worker of stack?.workers ?? []) worker.kill('SIGCONT');
  if (scratch) {
    tmux('kill-server');
    await rm(scratch, { recursive: true, force: true });
  }
  await stack?.stop();
});

/** tmux on a server of this test's own. */
function tmux(...args: string[]): string {
  try {
    return execFileSync('tmux', ['-S', path.join(scratch, 'tmux.sock'), ...args], { encoding: 'utf8' });
  } catch (error) {
    if (args[0] === 'kill-server') return '';
    throw error;
  }
}

/** Runs a command line in a new 200×20 pane; the pane stays, with the exit status, when it ends. */
function runInTerminal(session: string, cliArgs: string): void {
  const command = `STRONGBOX_URL=${stack.url} ${process.execPath} ${CLI_BIN} ${cliArgs}; echo "exit=$?"; sleep 600`;
  tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '20', 'bash', '-c', command);
}

function screen(session: string): string {
  return tmux('capture-pane', '-p', '-t', session);
}

const BAR = /\[[\u2588\u2591]+\]/;

function barLines(text: string): string[] {
  return text.split('\n').filter((line) => BAR.test(line));
}

async function waitForScreen(
  session: string,
  check: (text: string) => boolean | Promise<boolean>,
  what: string,
): Promise<string> {
  let text = '';
  await waitFor(
    async () => {
      text = screen(session);
      return check(text);
    },
    60_000,
    () => `the terminal never showed ${what}; it shows:\n${text}\n${stack.output()}`,
  );
  return text;
}

describe('strongbox in a terminal', () => {
  it('shows a live bar that moves while a large backup runs, then clears it for the summary', async () => {
    const content = Buffer.alloc(FILE_BYTES);
    await mkdir(path.join(stack.sourceRoot, 'large'));
    for (let i = 0; i < FILES; i++) {
      content.fill(i);
      await writeFile(path.join(stack.sourceRoot, 'large', `part-${i}.bin`), content);
    }
    const worker = stack.workers[0]!;
    // Whatever happens here, the next test finds the worker running.
    onTestFinished(() => {
      worker.kill('SIGCONT');
    });
    runInTerminal('bar', 'backup large --wait');

    let job = await waitForJobOf('large', (found) => found.status === 'running');
    worker.kill('SIGSTOP');

    // Each step: let the worker copy until it records new figures, hold it, and read the bar
    // once it shows them. The first figures come before the totals are counted (no percentage).
    const bars: string[] = [];
    let lastBytes = -1; // the first step reads the figures the worker was held at
    while (bars.length < 2 || filled(bars.at(-1)!) <= filled(bars[0]!)) {
      await waitFor(
        async () => {
          // The worker runs in slices of 25 ms and is held between them while the API is asked: a
          // fast disk cannot copy the whole folder between two looks, however fast it is.
          if (lastBytes >= 0) {
            worker.kill('SIGCONT');
            await new Promise((resolve) => setTimeout(resolve, 25));
            worker.kill('SIGSTOP');
          }
          job = (await call(stack, 'GET', `/backups/${job.id}`)).body;
          return job.progress.bytesDone !== lastBytes || job.status !== 'running';
        },
        60_000,
        () => `the backup recorded no progress: ${JSON.stringify(job)}`,
      );
      expect(job.status, 'the backup ended before the bar was seen twice: make the folder larger').toBe(
        'running',
      );
      // The bar must come to show the held figures. They are read again each time: a write the
      // worker sent just before the pause may land after the read above.
      const shown = await waitForScreen(
        'bar',
        async (text) => {
          const { progress } = (await call(stack, 'GET', `/backups/${job.id}`)).body;
          lastBytes = progress.bytesDone;
          const expected =
            progress.bytesTotal === null
              ? `] ${progress.filesDone}/? files | `
              : `] ${Math.floor((progress.bytesDone / progress.bytesTotal) * 100)}% | ${progress.filesDone}/${progress.filesTotal} files | `;
          return (barLines(text)[0] ?? '').includes(expected);
        },
        'the bar at the figures the API gives',
      );
      // Redrawn in place: one bar on the screen, never a scroll of them.
      expect(barLines(shown)).toHaveLength(1);
      const line = barLines(shown)[0]!;
      if (bars.at(-1) !== line) bars.push(line);
    }
    // The loop ends once the bar has moved: fuller than when first seen, with a percentage of
    // the counted total, the bytes, the speed and the time left.
    expect(bars.at(-1)).toMatch(
      new RegExp(
        `^\\[[\u2588\u2591]{24}\\] \\d+% \\| \\d+/${FILES} files \\| [\\d.]+ [KMG]?i?B/1\\.0 GiB( \\| [\\d.]+ [KMG]?i?B/s)?( \\| ETA \\d.*)?$`,
      ),
    );

    worker.kill('SIGCONT');
    const end = await waitForScreen('bar', (s) => s.includes('exit='), 'the end of the command');
    const final = (await call(stack, 'GET', `/backups/${job.id}`)).body;
    expect(final.status).toBe('succeeded');
    expect(barLines(end)).toEqual([]);
    const lines = end.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^backup ${job.id} large: succeeded, snapshot ${final.result.snapshot}, ${FILES} files, 1.0 GiB, 0 linked, \\d`,
        ),
      ),
      'exit=0',
    ]);
  });

  it('--json on a terminal prints the answers alone, with no bar', async () => {
    await makeFolder(stack, 'json-tty', { 'j.txt': 'json' });
    runInTerminal('json', '--json backup json-tty --wait');
    const end = await waitForScreen('json', (s) => s.includes('exit='), 'the end of the command');
    // -J joins back the lines that the pane wrapped.
    const lines = tmux('capture-pane', '-p', '-J', '-t', 'json')
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line !== '');
    expect(lines.at(-1)).toBe('exit=0');
    const answers = lines.slice(0, -1).map((line) => JSON.parse(line));
    expect(answers[0]).toMatchObject({ folder: 'json-tty', status: 'queued' });
    expect(answers.at(-1)).toEqual((await call(stack, 'GET', `/backups/${answers[0].id}`)).body);
    expect(barLines(end)).toEqual([]);
  });

  it('Ctrl-C clears the bar, says the job goes on and exits 130', async () => {
    const worker = stack.workers[0]!;
    worker.kill('SIGSTOP');
    await makeFolder(stack, 'held', { 'h.txt': 'held' });
    runInTerminal('held', 'backup held --wait');
    await waitForScreen(
      'held',
      (s) => barLines(s).some((line) => line.includes('backup queued, waiting for a worker')),
      'the queued bar',
    );
    tmux('send-keys', '-t', 'held', 'C-c');
    const end = await waitForScreen('held', (s) => s.includes('exit='), 'the end of the command');
    const job = await waitForJobOf('held', () => true);
    expect(barLines(end)).toEqual([]);
    expect(end.split('\n').filter((line) => line.trim() !== '')).toEqual([
      `strongbox: stopped waiting; backup ${job.id} goes on (strongbox status ${job.id} --wait to wait again)`,
      'exit=130',
    ]);
    worker.kill('SIGCONT');
    expect((await waitForJob(stack, job.id)).status).toBe('succeeded');
  });
});

async function waitForJobOf(folder: string, ready: (job: { status: string }) => boolean) {
  let job: { id: string; status: string; progress: { bytesDone: number } } | undefined;
  await waitFor(
    async () => {
      job = (await call(stack, 'GET', `/backups?folder=${folder}&limit=1`)).body.items[0];
      return job !== undefined && ready(job);
    },
    60_000,
    () => `no job of ${folder} got ready: ${JSON.stringify(job)}`,
  );
  // biome-ignore lint/suspicious/noExplicitAny: the job as the API answers it.
  return job as any;
}

function filled(line: string): number {
  return [...line].filter((char) => char === '\u2588').length;
}
