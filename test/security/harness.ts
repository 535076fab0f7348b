import { lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { expect } from 'vitest';
import { type Stack, type StackOptions, startStack } from '../e2e/stack.js';
import { describeTree } from '../e2e/tree.js';

/**
 * One stack per file with a canary directory beside SOURCE_ROOT and BACKUP_FOLDER: nothing any
 * hostile request does may change it, nor add anything beside the roots.
 */
export interface HostileStack extends Stack {
  /** The directory beside the roots that must never change. */
  canary: string;
  /** Asserts that the canary is as it was, nothing new sits beside the roots, and /health answers. */
  expectIntact(): Promise<void>;
}

/** What the canary holds at the start: a file to read and a directory to write into. */
const CANARY_FILES: Record<string, string> = {
  'secret.txt': 'canary secret\n',
  'dir/inner.txt': 'canary inner\n',
};

export async function startHostileStack(options: StackOptions = {}): Promise<HostileStack> {
  const stack = await startStack(options);
  const scratch = path.dirname(stack.sourceRoot);
  const canary = path.join(scratch, 'canary');
  for (const [name, content] of Object.entries(CANARY_FILES)) {
    await mkdir(path.dirname(path.join(canary, name)), { recursive: true });
    await writeFile(path.join(canary, name), content);
  }
  const expected = await describeTree(canary);
  return Object.assign(stack, {
    canary,
    async expectIntact() {
      expect(await describeTree(canary), 'the canary beside the roots').toEqual(expected);
      // BACKUP_FOLDER appears once the worker has started; nothing else may.
      expect((await readdir(scratch)).sort(), 'what lies beside the roots').toEqual([
        'backup',
        'canary',
        'data',
      ]);
      const health = await fetch(`${stack.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
    },
  });
}

export interface RawAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: error bodies are checked by expect()
  body: any;
  raw: string;
}

/**
 * Sends `request` byte for byte over a socket (no client library to normalise `..`, refuse control
 * bytes or fix the framing) and reads the answer until the server closes or a whole body arrived.
 */
export function rawRequest(stack: Stack, request: string | Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const finish = () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? -1);
      const text = rest.join('\r\n\r\n');
      if (length >= 0 && Buffer.byteLength(text) < length) return false;
      socket.destroy();
      resolve({ status, body: text ? JSON.parse(text) : null, raw });
      return true;
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).includes('\r\n\r\n')) finish();
    });
    socket.on('end', () => finish() || reject(new Error('the answer ended early')));
    socket.on('error', reject);
    socket.write(request);
  });
}

/** The error shape every refusal has, with its exact status and code. */
export function expectProblem(answer: { status: number; body: unknown }, status: number, code: string): void {
  expect({ status: answer.status, code: (answer.body as { code?: unknown } | null)?.code }).toEqual({
    status,
    code,
  });
  const body = answer.body as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'statusCode']);
  expect(body.statusCode).toBe(status);
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeLessThanOrEqual(500);
}

/** Every path below `dir` with its type, without reading anything (FIFOs would block a read). */
export async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const lines: string[] = [];
  for (const name of (await readdir(path.join(dir, prefix))).sort()) {
    const relative = path.join(prefix, name);
    const stat = await lstat(path.join(dir, relative));
    lines.push(`${relative} ${stat.isDirectory() ? 'dir' : stat.isSymbolicLink() ? 'link' : 'other'}`);
    if (stat.isDirectory()) lines.push(...(await listTree(dir, relative)));
  }
  return lines;
}
