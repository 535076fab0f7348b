import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { call, holdUntilFile, makeFolder, type Stack, startStack, waitFor, waitForJob } from '../stack.js';
import { CLI_BIN } from './run-cli.js';

// The CLI in a real terminal: tmux runs it in a pane, capture-pane reads the screen. The folder
// `moving` has a before hook and an after hook that each wait for a file of the test's, so that
// the bar is read while the job is held at known figures, however fast the machine copies.
const FILES = 64;
const FILE_BYTES = 16 * 1024;

let stack: Stack;
let scratch: string;
let releaseBefore: string;
let releaseAfter: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'strongbox-tmux-'));
  releaseBefore = path.join(scratch, 'release-before');
  releaseAfter = path.join(scratch, 'release-after');
  const hooks = {
    hooks: [
      {
        folder: 'moving',
        before: holdUntilFile('RELEASE_BEFORE'),
        after: holdUntilFile('RELEASE_AFTER'),
        timeoutSeconds: 120,
        env: { RELEASE_BEFORE: releaseBefore, RELEASE_AFTER: releaseAfter },
      },
    ],
  };
  await writeFile(path.join(scratch, 'hooks.json'), JSON.stringify(hooks));
  stack = await startStack({ workers: 1, env: { HOOKS_FILE: path.join(scratch, 'hooks.json') } });
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
  it('shows a live bar that moves while a backup runs, held at its start and at its end, then clears it for the summary', async () => {
    const content = Buffer.alloc(FILE_BYTES);
    await mkdir(path.join(stack.sourceRoot, 'moving'));
    for (let i = 0; i < FILES; i++) {
      content.fill(i);
      await writeFile(path.join(stack.sourceRoot, 'moving', `part-${i}.bin`), content);
    }
    // Whatever happens here, both hooks are let go.
    onTestFinished(async () => {
      await writeFile(releaseBefore, '');
      await writeFile(releaseAfter, '');
    });
    runInTerminal('bar', 'backup moving --wait');

    // Held in its before hook: running, nothing copied, no total yet.
    const job = await waitForJobOf('moving', (found) => found.status === 'running');
    const first = await barAt('moving', job.id, {
      filesDone: 0,
      filesTotal: null,
      bytesDone: 0,
      bytesTotal: null,
    });
    expect(first).toContain(`] 0/? files | `);

    // Held in its after hook: still running, every file copied, the totals counted.
    await writeFile(releaseBefore, '');
    const bytes = FILES * FILE_BYTES;
    const second = await barAt('moving', job.id, {
      filesDone: FILES,
      filesTotal: FILES,
      bytesDone: bytes,
      bytesTotal: bytes,
    });
    expect(filled(second)).toBeGreaterThan(filled(first));
    expect(second).toMatch(
      new RegExp(
        `^\\[\u2588{24}\\] 100% \\| ${FILES}/${FILES} files \\| 1\\.0 MiB/1\\.0 MiB( \\| [\\d.]+ [KMG]?i?B/s)?( \\| ETA \\d.*)?$`,
      ),
    );

    await writeFile(releaseAfter, '');
    const end = await waitForScreen('bar', (s) => s.includes('exit='), 'the end of the command');
    const final = (await call(stack, 'GET', `/backups/${job.id}`)).body;
    expect(final.status).toBe('succeeded');
    expect(barLines(end)).toEqual([]);
    const lines = end.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^backup ${job.id} moving: succeeded, snapshot ${final.result.snapshot}, ${FILES} files, 1.0 MiB, 0 linked, \\d`,
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

async function waitForJobOf(
  folder: string,
  ready: (job: { status: string; progress: Record<string, number | null> }) => boolean,
) {
  let job: { id: string; status: string; progress: Record<string, number | null> } | undefined;
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

/**
 * Waits until the API gives the job `progress` while it runs, then until the bar shows those
 * figures, and answers the bar's line: the only bar on the screen (redrawn in place).
 */
async function barAt(
  folder: string,
  id: string,
  progress: { filesDone: number; filesTotal: number | null; bytesDone: number; bytesTotal: number | null },
): Promise<string> {
  await waitForJobOf(
    folder,
    (found) => found.status === 'running' && JSON.stringify(found.progress) === JSON.stringify(progress),
  );
  const expected =
    progress.bytesTotal === null
      ? `] ${progress.filesDone}/? files | `
      : `] ${Math.floor((progress.bytesDone / progress.bytesTotal) * 100)}% | ${progress.filesDone}/${progress.filesTotal} files | `;
  const shown = await waitForScreen(
    'bar',
    (text) => (barLines(text)[0] ?? '').includes(expected),
    `the bar of job ${id} at ${JSON.stringify(progress)}`,
  );
  expect(barLines(shown)).toHaveLength(1);
  return barLines(shown)[0]!;
}

function filled(line: string): number {
  return [...line].filter((char) => char === '\u2588').length;
}
