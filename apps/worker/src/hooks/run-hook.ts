import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { JobSuccess } from '@strongbox/db';
import type { Logger } from 'pino';
import type { HookEntry } from './hooks-file.js';

/** The most of a hook's output (stdout and stderr together) kept, in bytes; the rest is counted. */
export const HOOK_OUTPUT_BYTES = 4096;

/** The variables of the worker's environment a hook gets; nothing else of it (no secret). */
const PASSED_ON = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'];

/** A pre-hook that failed or timed out: the job fails with HOOK_FAILED, and takes no snapshot. */
export class HookFailedError extends Error {
  readonly code = 'HOOK_FAILED';

  constructor(message: string) {
    super(message);
    this.name = 'HookFailedError';
  }
}

/** How one run of a hook went. */
interface HookRun {
  ok: boolean;
  /** `exited 0`, `exited 3`, `killed after 5 s (timeout)`, `could not start: ENOENT`… */
  how: string;
  /** The first HOOK_OUTPUT_BYTES bytes of its output, on one line, and how many more there were. */
  output: string;
}

export interface HookContext {
  sourceRoot: string;
  folder: string;
  jobId: string;
  signal: AbortSignal;
  log: Logger;
}

/**
 * Runs a backup between its folder's hooks: `before` first (when it fails or times out the backup
 * does not run and the job fails with HOOK_FAILED), then the backup, then `after`, whether the
 * backup succeeded or failed (it gets STRONGBOX_BACKUP_STATUS). Each hook's output and a failed
 * `after` become warnings of the backup's result; when the backup failed they are in the worker's
 * log only.
 */
export async function withHooks(
  entry: HookEntry | null,
  context: HookContext,
  backup: () => Promise<JobSuccess>,
): Promise<JobSuccess> {
  if (!entry) return backup();
  const warnings: string[] = [];
  const cwd = await folderDirectory(context);
  if (entry.before) {
    const run = await runHook(entry, entry.before, cwd, { ...context, stage: 'before' });
    context.log.info({ hook: 'before', ok: run.ok, how: run.how }, 'before hook ran');
    if (!run.ok) {
      throw new HookFailedError(
        `The before hook (${entry.before[0]}) ${run.how}${run.output ? `: ${run.output}` : ''}`,
      );
    }
    if (run.output) warnings.push(`before hook (${entry.before[0]}): ${run.output}`);
  }
  let success: JobSuccess;
  try {
    success = await backup();
  } catch (error) {
    if (entry.after) {
      const run = await runHook(entry, entry.after, cwd, { ...context, stage: 'after', status: 'failed' });
      context.log.warn({ hook: 'after', ok: run.ok, how: run.how, output: run.output }, 'after hook ran');
    }
    throw error;
  }
  if (entry.after) {
    const run = await runHook(entry, entry.after, cwd, { ...context, stage: 'after', status: 'succeeded' });
    context.log.info({ hook: 'after', ok: run.ok, how: run.how }, 'after hook ran');
    if (!run.ok)
      warnings.push(`after hook (${entry.after[0]}) ${run.how}${run.output ? `: ${run.output}` : ''}`);
    else if (run.output) warnings.push(`after hook (${entry.after[0]}): ${run.output}`);
  }
  if (warnings.length === 0 || success.kind !== 'backup') return success;
  const result = success.result;
  return { ...success, result: { ...result, warnings: [...warnings, ...result.warnings].slice(0, 100) } };
}

/**
 * The folder's directory, where the hooks run: it must exist and, symbolic links followed, be
 * inside SOURCE_ROOT.
 */
async function folderDirectory(context: HookContext): Promise<string> {
  const root = await realpath(context.sourceRoot);
  let directory: string;
  try {
    directory = await realpath(path.join(root, context.folder));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new HookFailedError(
      `The folder ${JSON.stringify(context.folder)} has no directory for its hooks to run in (${typeof code === 'string' ? code : 'error'})`,
    );
  }
  const relative = path.relative(root, directory);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new HookFailedError(
      `The folder ${JSON.stringify(context.folder)} leads outside the source root: its hooks do not run`,
    );
  }
  return directory;
}

/** Runs one hook: no shell, in the folder's directory, killed (its whole process group) at its timeout. */
function runHook(
  entry: HookEntry,
  argv: readonly string[],
  cwd: string,
  context: HookContext & { stage: 'before' | 'after'; status?: 'succeeded' | 'failed' },
): Promise<HookRun> {
  const env: Record<string, string> = {};
  for (const name of PASSED_ON) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, entry.env, {
    STRONGBOX_FOLDER: context.folder,
    STRONGBOX_JOB_ID: context.jobId,
    STRONGBOX_HOOK: context.stage,
    ...(context.status ? { STRONGBOX_BACKUP_STATUS: context.status } : {}),
  });
  const [program, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let dropped = 0;
    const keep = (chunk: Buffer) => {
      const room = HOOK_OUTPUT_BYTES - kept;
      if (room > 0) chunks.push(chunk.subarray(0, room));
      kept += Math.min(room, chunk.length);
      dropped += Math.max(0, chunk.length - Math.max(room, 0));
    };
    const child = spawn(program, args, {
      cwd,
      env,
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let aborted = false;
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // It has ended already.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, entry.timeoutSeconds * 1000);
    const onAbort = () => {
      aborted = true;
      kill();
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let done = false;
    const finish = (ok: boolean, how: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      context.signal.removeEventListener('abort', onAbort);
      const text = Buffer.concat(chunks)
        .toString('utf8')
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .join(' / ');
      const more = dropped > 0 ? ` … (${dropped} more bytes)` : '';
      resolve({ ok, how, output: text === '' ? '' : `${text}${more}` });
    };
    child.on('error', (error) => {
      const code = (error as { code?: unknown }).code;
      finish(false, `could not start: ${typeof code === 'string' ? code : error.message}`);
    });
    child.on('close', (code, signal) => {
      if (timedOut) finish(false, `was killed after ${entry.timeoutSeconds} s (timeout)`);
      else if (aborted) finish(false, 'was killed: the job was interrupted');
      else if (code === 0) finish(true, 'exited 0');
      else if (code !== null) finish(false, `exited ${code}`);
      else finish(false, `was killed by ${signal}`);
    });
  });
}
