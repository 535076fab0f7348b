import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';
import { redactSecrets } from './secrets.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('the repository settings', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'strongbox-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('are the local tree in BACKUP_FOLDER when REPOSITORY_URL is unset', () => {
    expect(loadConfig({ BACKUP_FOLDER: '/srv/backup' }).repository).toEqual({
      kind: 'local',
      backupFolder: '/srv/backup',
    });
  });

  it('are the object repository at an s3:// URL, with the S3 variables', () => {
    expect(
      loadConfig({
        REPOSITORY_URL: 's3://my-bucket/strongbox/main',
        REPOSITORY_PASSWORD: 'pass-one-2345',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_FORCE_PATH_STYLE: 'true',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret-key-6789',
      }).repository,
    ).toEqual({
      kind: 'object',
      url: 's3://my-bucket/strongbox/main',
      password: 'pass-one-2345',
      s3: {
        endpoint: 'http://127.0.0.1:9000',
        region: 'eu-west-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-key-6789' },
      },
    });
  });

  it("leaves region and keys to the SDK's own chain when they are unset", () => {
    expect(
      loadConfig({ REPOSITORY_URL: 's3://my-bucket', REPOSITORY_PASSWORD: 'pw-12345678' }).repository,
    ).toEqual({
      kind: 'object',
      url: 's3://my-bucket',
      password: 'pw-12345678',
      s3: { forcePathStyle: false },
    });
  });

  it('reads REPOSITORY_PASSWORD_FILE at load, without its trailing newline', async () => {
    const file = path.join(dir, 'password');
    await writeFile(file, 'from the file 42\n');
    expect(
      loadConfig({ REPOSITORY_URL: 'file:///srv/repo', REPOSITORY_PASSWORD_FILE: file }).repository,
    ).toEqual({
      kind: 'object',
      url: 'file:///srv/repo',
      password: 'from the file 42',
      s3: { forcePathStyle: false },
    });
  });

  it('refuses a URL without a password', () => {
    expect(problemsOf({ REPOSITORY_URL: 's3://my-bucket' })).toEqual([
      'REPOSITORY_URL is set: set REPOSITORY_PASSWORD or REPOSITORY_PASSWORD_FILE too',
    ]);
  });

  it('refuses both password variables', () => {
    expect(
      problemsOf({
        REPOSITORY_URL: 's3://my-bucket',
        REPOSITORY_PASSWORD: 'a-password',
        REPOSITORY_PASSWORD_FILE: '/x',
      }),
    ).toEqual(['REPOSITORY_PASSWORD and REPOSITORY_PASSWORD_FILE are both set: set only one']);
  });

  it('refuses a password without a URL', () => {
    expect(problemsOf({ REPOSITORY_PASSWORD: 'a-password' })).toEqual([
      'REPOSITORY_PASSWORD set without REPOSITORY_URL: set REPOSITORY_URL too, or unset it',
    ]);
  });

  it('refuses a relative file path, a host in a file URL, another scheme, a bad bucket and a port', () => {
    const pw = { REPOSITORY_PASSWORD: 'a-password' };
    const fix = '; use s3://BUCKET[/PREFIX] or file:///ABSOLUTE/PATH';
    expect(problemsOf({ ...pw, REPOSITORY_URL: 'file:repo' })).toEqual([
      `REPOSITORY_URL="file:repo": the path must be absolute (file:///ABSOLUTE/PATH, three slashes)${fix}`,
    ]);
    expect(problemsOf({ ...pw, REPOSITORY_URL: 'file://srv/repo' })).toEqual([
      `REPOSITORY_URL="file://srv/repo": the path must be absolute (file:///ABSOLUTE/PATH, three slashes)${fix}`,
    ]);
    expect(problemsOf({ ...pw, REPOSITORY_URL: 'https://example.com/repo' })).toEqual([
      `REPOSITORY_URL="https://example.com/repo": the scheme https: is not s3: or file:${fix}`,
    ]);
    expect(problemsOf({ ...pw, REPOSITORY_URL: 's3://My_Bucket/x' })).toEqual([
      `REPOSITORY_URL="s3://My_Bucket/x": the bucket "My_Bucket" is not a bucket name (3 to 63 lowercase letters, digits, "." and "-")${fix}`,
    ]);
    expect(problemsOf({ ...pw, REPOSITORY_URL: 's3://bucket:9000/x' })).toEqual([
      `REPOSITORY_URL="s3://bucket:9000/x": an s3 URL has no port: set S3_ENDPOINT${fix}`,
    ]);
    expect(problemsOf({ ...pw, REPOSITORY_URL: 'backups' })).toEqual([
      `REPOSITORY_URL="backups": it is not a URL${fix}`,
    ]);
  });

  it('refuses one AWS key without the other, and a bad S3_ENDPOINT', () => {
    const base = { REPOSITORY_URL: 's3://my-bucket', REPOSITORY_PASSWORD: 'a-password' };
    expect(problemsOf({ ...base, AWS_ACCESS_KEY_ID: 'AKID' })).toEqual([
      'AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY: set both, or neither',
    ]);
    expect(problemsOf({ ...base, S3_ENDPOINT: 'localhost:9000' })).toEqual([
      'S3_ENDPOINT="localhost:9000": must be a URL starting with http:// or https://',
    ]);
  });

  it('refuses a password file that cannot be read, or is empty', async () => {
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '\n');
    const missing = path.join(dir, 'missing');
    expect(problemsOf({ REPOSITORY_URL: 's3://my-bucket', REPOSITORY_PASSWORD_FILE: missing })).toEqual([
      `REPOSITORY_PASSWORD_FILE=${JSON.stringify(missing)}: cannot be read (ENOENT)`,
    ]);
    expect(problemsOf({ REPOSITORY_URL: 's3://my-bucket', REPOSITORY_PASSWORD_FILE: empty })).toEqual([
      `REPOSITORY_PASSWORD_FILE=${JSON.stringify(empty)}: the file is empty`,
    ]);
  });

  it('never echoes the password or the secret key in an error, and redacts both once loaded', async () => {
    const problems = problemsOf({
      REPOSITORY_URL: 'ftp://x',
      REPOSITORY_PASSWORD: 'hidden-password-77',
      AWS_SECRET_ACCESS_KEY: 'hidden-secret-key-88',
    }).join('\n');
    expect(problems).not.toContain('hidden-password-77');
    expect(problems).not.toContain('hidden-secret-key-88');
    const file = path.join(dir, 'password-2');
    await writeFile(file, 'file-password-99\n');
    loadConfig({
      REPOSITORY_URL: 's3://my-bucket',
      REPOSITORY_PASSWORD_FILE: file,
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'loaded-secret-key-11',
    });
    expect(redactSecrets('opened with file-password-99 and loaded-secret-key-11')).toBe(
      'opened with [REDACTED] and [REDACTED]',
    );
  });
});
