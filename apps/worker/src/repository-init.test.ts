import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '@strongbox/config';
import { checkS3 } from '@strongbox/services/testing';
import { repositoryFromConfig } from '@strongbox/storage';
import { createTestBucket, s3RepositoryEnv, TEST_SCRYPT, type TestBucket } from '@strongbox/storage/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { REPOSITORY_COMMAND_HELP, repositoryCommand } from './repository-init.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
const PASSWORD = 'init-password-3384';
const COMMAND = fileURLToPath(new URL('../dist/repository-command.js', import.meta.url));

async function command(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await repositoryCommand(args, {
    env,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    tuning: { scrypt: TEST_SCRYPT },
    stdin: async () => '',
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('npm run repository -- init', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function directory(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'strongbox-init-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it('prints its help with --help, and refuses an unknown command with exit code 2', async () => {
    expect(await command(['--help'], {})).toEqual({ code: 0, stdout: REPOSITORY_COMMAND_HELP, stderr: '' });
    expect(await command(['create'], {})).toEqual({
      code: 2,
      stdout: '',
      stderr: `Unknown command: create\n\n${REPOSITORY_COMMAND_HELP}`,
    });
  });

  it('creates a repository in a new file:// directory, printing its id and location and never the password', async () => {
    const url = `file://${await directory()}/repo`;
    const made = await command(['init'], { REPOSITORY_URL: url, REPOSITORY_PASSWORD: PASSWORD });
    const dir = fileURLToPath(url);
    const config = JSON.parse(await readFile(path.join(dir, 'config'), 'utf8'));
    expect(made).toEqual({ code: 0, stdout: `Created repository ${config.id} at ${url}\n`, stderr: '' });
    expect(config.id).toMatch(/^[0-9a-f]{64}$/);
    expect((await readdir(dir)).sort()).toEqual(['config', 'keys']);
  });

  it('refuses, with exit code 1 and nothing written, where a repository or any other object is', async () => {
    const dir = await directory();
    const env = { REPOSITORY_URL: `file://${dir}`, REPOSITORY_PASSWORD: PASSWORD };
    expect((await command(['init'], env)).code).toBe(0);
    const config = await readFile(path.join(dir, 'config'));
    const keys = await readdir(path.join(dir, 'keys'));
    expect(await command(['init'], env)).toEqual({
      code: 1,
      stdout: '',
      stderr: `Could not create the repository at file://${dir}: REPOSITORY_EXISTS: There is a repository at file:// already\n`,
    });
    expect(await readFile(path.join(dir, 'config'))).toEqual(config);
    expect(await readdir(path.join(dir, 'keys'))).toEqual(keys);

    const other = await directory();
    await mkdir(path.join(other, 'data'));
    await writeFile(path.join(other, 'data/left-over'), 'not ours');
    expect(await command(['init'], { ...env, REPOSITORY_URL: `file://${other}` })).toEqual({
      code: 1,
      stdout: '',
      stderr: `Could not create the repository at file://${other}: REPOSITORY_EXISTS: file:// is not empty (it holds data/left-over): a repository is created only where nothing is\n`,
    });
    expect(await readdir(other)).toEqual(['data']);
  });

  it('refuses a configuration without a repository URL, or a bad one, with exit code 1', async () => {
    const local = await command(['init'], {});
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/^REPOSITORY_URL is not set: snapshots are the local tree in BACKUP_FOLDER/);
    const bad = await command(['init'], { REPOSITORY_URL: 's3://my-bucket' });
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Invalid configuration: fix these environment variables and start again:\n  - REPOSITORY_URL is set: set REPOSITORY_PASSWORD or REPOSITORY_PASSWORD_FILE too\n',
    });
  });

  it('runs as node apps/worker/dist/repository-command.js, with exit code 1 on a refusal', async () => {
    const dir = await directory();
    const env = {
      PATH: process.env.PATH ?? '',
      REPOSITORY_URL: `file://${dir}`,
      REPOSITORY_PASSWORD: PASSWORD,
    };
    const run = promisify(execFile);
    const made = await run(process.execPath, [COMMAND, 'init'], { env });
    expect(made.stdout).toMatch(new RegExp(`^Created repository [0-9a-f]{64} at file://${dir}\\n$`));
    const again = await run(process.execPath, [COMMAND, 'init'], { env }).catch((error: unknown) => error);
    expect(again).toMatchObject({
      code: 1,
      stderr: `Could not create the repository at file://${dir}: REPOSITORY_EXISTS: There is a repository at file:// already\n`,
    });
  });

  describe.runIf(s3.run)('on S3', () => {
    const endpoint = s3.run ? s3.endpoint : '';
    async function bucket(): Promise<TestBucket> {
      const made = await createTestBucket(endpoint);
      cleanups.push(() => made.remove());
      return made;
    }
    async function keys(made: TestBucket): Promise<string[]> {
      const found: string[] = [];
      for await (const { name } of made.store().list('')) found.push(name);
      return found.sort();
    }

    it('creates a repository under a prefix; a mistyped prefix is then REPOSITORY_NOT_FOUND and writes nothing', async () => {
      const made = await bucket();
      const env = s3RepositoryEnv({ endpoint, bucket: made.name, prefix: 'main', password: PASSWORD });
      const created = await command(['init'], env);
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(
        new RegExp(`^Created repository [0-9a-f]{64} at s3://${made.name}/main\\n$`),
      );
      const before = await keys(made);
      expect(before.map((key) => key.replace(/[0-9a-f]{32}$/, '<id>'))).toEqual([
        'main/config',
        'main/keys/<id>',
      ]);

      const typo = repositoryFromConfig(
        loadConfig({ ...env, REPOSITORY_URL: `s3://${made.name}/mian` }).repository,
      );
      cleanups.push(() => typo.close());
      const sourceRoot = await directory();
      await mkdir(path.join(sourceRoot, 'docs'));
      await writeFile(path.join(sourceRoot, 'docs/a.txt'), 'alpha');
      const refused = await typo
        .backup('docs', { sourceRoot, jobId: randomUUID() })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({
        code: 'REPOSITORY_NOT_FOUND',
        message: `No repository at s3://${made.name}/mian at ${endpoint}: create one with \`npm run repository -- init\``,
      });
      expect(await keys(made)).toEqual(before);
    });
  });
});
