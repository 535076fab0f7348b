import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Job, jobSchema } from '@strongbox/contract';
import { insertJob } from '@strongbox/db';
import { EngineError } from '@strongbox/engine';
import { enqueue } from '@strongbox/queue';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RUNNERS } from '../runners.js';
import { startWorkerTestEnv, type WorkerTestEnv } from '../testing/test-worker.js';
import { startWorker } from '../worker.js';
import { HooksFileError, loadHooks } from './hooks-file.js';
import { HOOK_OUTPUT_BYTES } from './run-hook.js';

const node = (script: string) => ['node', '-e', script];

// One hooks file for every case below, each on folders of its own.
const HOOKS = {
  hooks: [
    {
      folder: 'dump/*',
      before: node(
        "require('fs').writeFileSync('dump.sql', 'CREATE TABLE t;'); require('fs').writeFileSync('../env-' + process.env.STRONGBOX_FOLDER.split('/')[1] + '.json', JSON.stringify(process.env)); console.log('dumped'); console.error('1 table')",
      ),
      after: node("require('fs').unlinkSync('dump.sql')"),
      env: { DUMP_NAME: 'nightly' },
    },
    { folder: 'fail/**', before: node("console.error('cannot reach the database'); process.exit(3)") },
    { folder: 'slow', before: node('setTimeout(() => {}, 60000)'), timeoutSeconds: 1 },
    { folder: 'after-fails', after: node("console.log('cleanup failed'); process.exit(2)") },
    { folder: 'loud', before: node(`process.stdout.write('x'.repeat(10000))`) },
    { folder: 'missing-program', before: ['strongbox-no-such-program-9f2c'] },
    {
      folder: 'literal',
      before: node('console.log(process.argv[1])').concat(['$(touch pwned); rm -rf ~ | `id`']),
    },
    {
      folder: 'status',
      before: node("require('fs').writeFileSync('../status-before', 'ran')"),
      after: node("require('fs').writeFileSync('../status-after', process.env.STRONGBOX_BACKUP_STATUS)"),
    },
    { folder: '**', before: node("console.log('first match wins: not me')") },
  ],
};

describe('the hooks file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'strongbox-hooks-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fileWith(name: string, content: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  }

  it('gives a folder the first entry whose folder or glob matches it, and none to a folder the rule refuses', async () => {
    const hooks = loadHooks(await fileWith('ok.json', JSON.stringify(HOOKS)));
    expect(hooks.forFolder('dump/main')?.env).toEqual({ DUMP_NAME: 'nightly' });
    expect(hooks.forFolder('dump/main')?.timeoutSeconds).toBe(300);
    expect(hooks.forFolder('fail/a/b')?.before).toEqual(HOOKS.hooks[1]?.before);
    expect(hooks.forFolder('slow')?.timeoutSeconds).toBe(1);
    expect(hooks.forFolder('photos/2024')?.before).toEqual(HOOKS.hooks[8]?.before);
    expect(hooks.forFolder('../etc')).toBeNull();
    expect(loadHooks(await fileWith('none.json', '{"hooks": []}')).forFolder('dump/main')).toBeNull();
  });

  it.each([
    ['not JSON', '{"hooks": [', /^HOOKS_FILE=".*": is not JSON: /],
    [
      'a command as a shell string',
      JSON.stringify({ hooks: [{ folder: 'db', before: 'pg_dump > dump.sql' }] }),
      /^HOOKS_FILE=".*": hooks\.0\.before: Invalid input: expected array, received string$/,
    ],
    [
      'an entry without a command',
      JSON.stringify({ hooks: [{ folder: 'db' }] }),
      /^HOOKS_FILE=".*": hooks\.0: an entry needs a before or an after command$/,
    ],
    [
      'an unknown key',
      JSON.stringify({ hooks: [{ folder: 'db', before: ['true'], shell: true }] }),
      /^HOOKS_FILE=".*": hooks\.0: Unrecognized key: "shell"$/,
    ],
    [
      'a timeout over a day',
      JSON.stringify({ hooks: [{ folder: 'db', before: ['true'], timeoutSeconds: 86401 }] }),
      /^HOOKS_FILE=".*": hooks\.0\.timeoutSeconds: Too big: expected number to be <=86400$/,
    ],
  ])('refuses %s, saying where', async (_, content, message) => {
    const file = await fileWith('bad.json', content);
    expect(() => loadHooks(file)).toThrow(HooksFileError);
    expect(() => loadHooks(file)).toThrow(message);
  });

  it('refuses a file it cannot read', () => {
    const file = path.join(dir, 'absent.json');
    expect(() => loadHooks(file)).toThrow(`HOOKS_FILE=${JSON.stringify(file)}: cannot be read (ENOENT)`);
  });
});

describe('command hooks around backups (HOOKS_FILE)', () => {
  let env: WorkerTestEnv;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'strongbox-hooks-'));
    const file = path.join(dir, 'hooks.json');
    await writeFile(file, JSON.stringify(HOOKS));
    env = await startWorkerTestEnv({ env: { HOOKS_FILE: file } });
  });
  afterEach(async () => {
    await env.stopWorkers();
    delete process.env.STRONGBOX_TEST_WORKER_SECRET;
  });
  afterAll(async () => {
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function backup(folder: string): Promise<Job> {
    const { job } = await insertJob(env.db, { kind: 'backup', folder });
    await enqueue(env.queue, job);
    return env.waitForEnd(job.id);
  }

  async function logRow(jobId: string): Promise<{ status: string; message: string | null }> {
    const [rows] = await env.db.query<RowDataPacket[]>('SELECT status, message FROM log WHERE job_id = ?', [
      jobId,
    ]);
    return rows[0] as { status: string; message: string | null };
  }

  it('runs the before hook in the folder, so what it writes is in the snapshot; its output is a warning', async () => {
    // A secret of the worker's environment: a hook gets PATH, HOME, LANG and its own variables only.
    process.env.STRONGBOX_TEST_WORKER_SECRET = 'do-not-pass-me-on';
    await env.startWorker();
    await env.makeFolder('dump/main', { 'data.txt': 'data' });
    const job = await backup('dump/main');
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ files: 2, bytes: 4 + 'CREATE TABLE t;'.length });
    expect(job.kind === 'backup' && job.result?.warnings).toEqual(['before hook (node): dumped / 1 table']);
    // The after hook removed the dump from the folder once the snapshot was taken.
    await expect(readFile(path.join(env.config.sourceRoot, 'dump/main/dump.sql'))).rejects.toThrow(/ENOENT/);
    const seen = JSON.parse(await readFile(path.join(env.config.sourceRoot, 'dump/env-main.json'), 'utf8'));
    expect(seen).toMatchObject({
      STRONGBOX_FOLDER: 'dump/main',
      STRONGBOX_JOB_ID: job.id,
      STRONGBOX_HOOK: 'before',
      DUMP_NAME: 'nightly',
      PATH: process.env.PATH,
    });
    expect(seen).not.toHaveProperty('STRONGBOX_TEST_WORKER_SECRET');
    expect(seen).not.toHaveProperty('DATABASE_URL');
    expect(jobSchema.parse(job)).toEqual(job);
  });

  it('fails the job with HOOK_FAILED, without a snapshot or a retry, when the before hook fails', async () => {
    await env.startWorker();
    await env.makeFolder('fail/db', { 'a.txt': 'alpha' });
    const job = await backup('fail/db');
    const message = 'The before hook (node) exited 3: cannot reach the database';
    expect(job).toMatchObject({
      status: 'failed',
      attempts: 1,
      result: null,
      error: { code: 'HOOK_FAILED', message },
    });
    expect(await logRow(job.id)).toEqual({ status: 'FAILED', message: `HOOK_FAILED: ${message}` });
  });

  it('kills a before hook at its timeout and fails the job with HOOK_FAILED', async () => {
    await env.startWorker();
    await env.makeFolder('slow', { 'a.txt': 'alpha' });
    const job = await backup('slow');
    expect(job).toMatchObject({
      status: 'failed',
      result: null,
      error: { code: 'HOOK_FAILED', message: 'The before hook (node) was killed after 1 s (timeout)' },
    });
  });

  it('fails the job with HOOK_FAILED when the hook cannot even start', async () => {
    await env.startWorker();
    await env.makeFolder('missing-program', { 'a.txt': 'alpha' });
    const job = await backup('missing-program');
    expect(job.error).toEqual({
      code: 'HOOK_FAILED',
      message: 'The before hook (strongbox-no-such-program-9f2c) could not start: ENOENT',
    });
  });

  it('keeps the snapshot and adds a warning when the after hook fails', async () => {
    await env.startWorker();
    await env.makeFolder('after-fails', { 'a.txt': 'alpha' });
    const job = await backup('after-fails');
    expect(job).toMatchObject({ status: 'succeeded', error: null, result: { files: 1, bytes: 5 } });
    expect(job.kind === 'backup' && job.result?.warnings).toEqual([
      'after hook (node) exited 2: cleanup failed',
    ]);
  });

  it(`keeps the first ${HOOK_OUTPUT_BYTES} bytes of a hook's output and counts the rest`, async () => {
    await env.startWorker();
    await env.makeFolder('loud', { 'a.txt': 'alpha' });
    const job = await backup('loud');
    expect(job.kind === 'backup' && job.result?.warnings).toEqual([
      `before hook (node): ${'x'.repeat(HOOK_OUTPUT_BYTES)} … (${10_000 - HOOK_OUTPUT_BYTES} more bytes)`,
    ]);
  });

  it('passes arguments as they are, with no shell to read them', async () => {
    await env.startWorker();
    await env.makeFolder('literal', { 'a.txt': 'alpha' });
    const job = await backup('literal');
    expect(job.kind === 'backup' && job.result?.warnings).toEqual([
      'before hook (node): $(touch pwned); rm -rf ~ | `id`',
    ]);
    await expect(readFile(path.join(env.config.sourceRoot, 'literal/pwned'))).rejects.toThrow(/ENOENT/);
  });

  it('runs the after hook when the backup fails too, telling it so', async () => {
    await env.startWorker({
      runners: {
        ...RUNNERS,
        backup: async () => {
          throw new EngineError('NO_SPACE', 'No space left on the backup filesystem', { transient: false });
        },
      },
    });
    await env.makeFolder('status', { 'a.txt': 'alpha' });
    const job = await backup('status');
    expect(job.error).toEqual({ code: 'NO_SPACE', message: 'No space left on the backup filesystem' });
    expect(await readFile(path.join(env.config.sourceRoot, 'status-before'), 'utf8')).toBe('ran');
    expect(await readFile(path.join(env.config.sourceRoot, 'status-after'), 'utf8')).toBe('failed');
  });

  it('runs no hook around a verify or a restore', async () => {
    await env.startWorker();
    await env.makeFolder('plain/kept', { 'a.txt': 'alpha' });
    const made = await backup('plain/kept');
    expect(made.kind === 'backup' && made.result?.warnings).toEqual([
      'before hook (node): first match wins: not me',
    ]);
    const { job } = await insertJob(env.db, {
      kind: 'verify',
      folder: 'plain/kept',
      params: { backupId: made.id },
    });
    await enqueue(env.queue, job);
    const verified = await env.waitForEnd(job.id);
    expect(verified).toMatchObject({ status: 'succeeded', error: null });
  });

  it('does not start a worker whose hooks file is bad', async () => {
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ hooks: [{ folder: 'db', before: 'pg_dump' }] }));
    await expect(
      startWorker({ config: { ...env.config, hooksFile: bad }, db: env.db, logger: env.logger }),
    ).rejects.toThrow(
      `HOOKS_FILE=${JSON.stringify(bad)}: hooks.0.before: Invalid input: expected array, received string`,
    );
  });
});
