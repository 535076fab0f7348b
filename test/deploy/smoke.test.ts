import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder, type Stack, startStack } from '../e2e/stack.js';

const run = promisify(execFile);
const SMOKE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/smoke.sh');
const TOKEN = 'smoke-test-token-0123456789';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ workers: 1, env: { API_TOKENS: TOKEN } });
  await makeFolder(stack, 'example', {
    'hello.txt': 'Hello from Strongbox.\n',
    'notes/todo.md': '- back up\n',
  });
});

afterAll(async () => {
  await stack?.stop();
});

async function smoke(token: string, env: Record<string, string> = {}) {
  try {
    const { stdout } = await run('bash', [SMOKE, stack.url, token], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('deploy/smoke.sh', () => {
  it('walks through backup, a missing folder, logs, stats, verify, restore and the operator pages (the console too) with their assets against a running stack', async () => {
    const result = await smoke(TOKEN);
    expect(result.code, `${result.stdout}${result.stderr}\n${stack.output()}`).toBe(0);
    const steps = result.stdout
      .split('\n')
      .filter((line) => / ok +\d+ ms/.test(line))
      .map((line) => line.split(':')[0]);
    expect(steps).toEqual([
      'health',
      'ready',
      'auth',
      'backup',
      'backup',
      'missing folder',
      'logs',
      'logs',
      'stats',
      'verify',
      'restore',
      'restore',
      'docs',
      'docs',
      'dashboard',
      'dashboard',
      'console',
    ]);
    expect(result.stdout).toMatch(/dashboard: its Redis statistics +ok +\d+ ms {2}\(Redis \d+\.\d+\.\d+\)/);
    expect(result.stdout).toContain(`smoke test passed against ${stack.url}`);
  });

  it('fails, naming what was wrong, when the backup does not succeed', async () => {
    const result = await smoke(TOKEN, { SMOKE_FOLDER: 'not-there' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^FAIL: expected \.status = succeeded, got failed\n/);
  });

  it('fails at once on a wrong token', async () => {
    const result = await smoke('not-the-token');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^FAIL: expected HTTP 200 or 503, got 401\n/);
  });

  it('fails when nothing answers', async () => {
    const { code, stderr } = await run('bash', [SMOKE, 'http://127.0.0.1:1', TOKEN]).catch((error) => error);
    expect(code).toBe(1);
    expect(stderr).toMatch(/\nFAIL: no answer from http:\/\/127\.0\.0\.1:1\n$/);
  });
});
