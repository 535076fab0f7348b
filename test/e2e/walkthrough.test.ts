import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckingProxy, OPENAPI_DOCUMENT, startPrismProxy } from './prism.js';
import { makeFolder, type Stack, startStack, waitFor } from './stack.js';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/**
 * One request of the README's "A walk-through with curl", as curl sends it. `{backup}` stands for
 * the backup the walk-through last started, `{today}` for today's date (UTC).
 */
interface Step {
  request: string;
  body?: string;
  contentType?: string;
  /** Polls until the job has ended, as the README tells the reader to. */
  untilEnded?: boolean;
  /** What the README says happens: the status, and what the body holds. */
  status: number;
  answer: Record<string, unknown>;
}

const WALK_THROUGH: Step[] = [
  {
    request: 'POST /backups',
    body: '{"folder":"example"}',
    contentType: JSON_TYPE,
    status: 202,
    answer: { kind: 'backup', folder: 'example', status: 'queued' },
  },
  {
    request: 'GET /backups/{backup}',
    untilEnded: true,
    status: 200,
    answer: { status: 'succeeded', result: { files: 2, bytes: 63 } },
  },
  {
    // The same poll again, piped to jq to read it indented.
    request: 'GET /backups/{backup}',
    status: 200,
    answer: { status: 'succeeded', result: { files: 2, bytes: 63 } },
  },
  {
    request: 'POST /backups?wait=10',
    body: '{"folder":"nope"}',
    contentType: JSON_TYPE,
    status: 404,
    answer: { status: 'failed', error: { code: 'NO_SUCH_DIRECTORY', message: 'No such directory: nope' } },
  },
  {
    request: 'GET /logs?from={today}&to={today}',
    status: 200,
    answer: {
      items: [
        { action: 'Backup', parameter: 'example' },
        { action: 'Backup', parameter: 'nope' },
      ],
    },
  },
  {
    request: 'GET /stats',
    status: 200,
    answer: { backups: { total: 2, succeeded: 1, failed: 1 }, bytesCopied: 63, filesCopied: 2 },
  },
  {
    request: 'POST /backups',
    body: '{"folder":"../etc"}',
    contentType: JSON_TYPE,
    status: 400,
    answer: { code: 'INVALID_FOLDER' },
  },
  {
    request: 'GET /logs?from=2026-11-22&to=2026-11-21',
    status: 400,
    answer: { code: 'INVALID_DATE_RANGE', message: 'from (2026-11-22) is after to (2026-11-21): swap them' },
  },
  { request: 'GET /backups?state=failed', status: 400, answer: { code: 'UNKNOWN_PARAMETER' } },
  {
    request: 'POST /backup',
    body: 'path_to_folder=example',
    contentType: FORM,
    status: 202,
    answer: { kind: 'backup', folder: 'example', status: 'queued' },
  },
  {
    request: 'POST /',
    body: '{"path":"example"}',
    contentType: JSON_TYPE,
    status: 202,
    answer: { kind: 'backup', folder: 'example', status: 'queued' },
  },
  {
    request: 'POST /backups?wait=30',
    body: '{"folder":"example"}',
    contentType: JSON_TYPE,
    status: 200,
    answer: { status: 'succeeded', result: { files: 2, linkedFiles: 2, copiedFiles: 0 } },
  },
  {
    request: 'POST /backups/{backup}/verify?wait=30',
    status: 200,
    answer: { kind: 'verify', status: 'succeeded', result: { files: 2, bytes: 63 } },
  },
  {
    request: 'POST /backups/{backup}/restore?wait=30',
    body: '{"target":"restored/example"}',
    contentType: JSON_TYPE,
    status: 200,
    answer: { kind: 'restore', status: 'succeeded', result: { target: 'restored/example', files: 2 } },
  },
  {
    request: 'POST /backups/{backup}/restore?wait=30',
    body: '{"target":"restored/example"}',
    contentType: JSON_TYPE,
    status: 409,
    answer: { status: 'failed', error: { code: 'TARGET_EXISTS' } },
  },
  {
    request: 'GET /folders/example/snapshots',
    status: 200,
    answer: { nextCursor: null },
  },
  {
    request: 'POST /backups/latest/verify?folder=example&wait=30',
    status: 200,
    answer: { kind: 'verify', folder: 'example', status: 'succeeded', result: { files: 2, bytes: 63 } },
  },
];

let stack: Stack;
let proxy: CheckingProxy;

beforeAll(async () => {
  stack = await startStack();
  proxy = await startPrismProxy(stack.url);
  // What `npm start` puts into an empty source root (scripts/start.mjs).
  await makeFolder(stack, 'example', {
    'hello.txt': 'Hello from Strongbox.\n',
    'notes/todo.md': '- back this folder up\n- look at the logs\n',
  });
});

afterAll(async () => {
  await proxy?.stop();
  await stack?.stop();
});

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: bodies of every route pass through here, checked by expect().
  body: any;
  /** What the proxy found wrong with the request or the answer, if anything. */
  violation: string | null;
}

/** Sends one request through the proxy; a violation is Prism's own problem answer or its header. */
async function send(url: string, method: string, route: string, body?: string, contentType?: string) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: contentType ? { 'content-type': contentType } : {},
    body,
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  const prismError = String(parsed?.type ?? '').startsWith('https://stoplight.io/prism/errors');
  const header = response.headers.get('sl-violations');
  const answer: Answer = {
    status: response.status,
    body: parsed,
    violation: prismError ? text : header,
  };
  return answer;
}

describe("the README's walk-through, through a validating proxy", () => {
  it('answers every request as the README says, each request and answer as the OpenAPI document says', async () => {
    const today = new Date().toISOString().slice(0, 10);
    let backup = '';
    for (const step of WALK_THROUGH) {
      const [method = '', pattern = ''] = step.request.split(' ');
      const route = pattern.replace('{backup}', backup).replaceAll('{today}', today);
      const where = `${step.request} (${route})`;
      let answer = await send(proxy.url, method, route, step.body, step.contentType);
      if (step.untilEnded) {
        await waitFor(
          async () => {
            answer = await send(proxy.url, method, route);
            return answer.violation !== null || !['queued', 'running'].includes(answer.body?.status);
          },
          60_000,
          () => `${where} did not end: ${JSON.stringify(answer.body)}\n${stack.output()}`,
        );
      }
      expect(answer.violation, `${where}\n${proxy.output()}`).toBeNull();
      expect(answer.status, `${where}: ${JSON.stringify(answer.body)}`).toBe(step.status);
      expect(answer.body, where).toMatchObject(step.answer);
      if (answer.body?.kind === 'backup') backup = answer.body.id;
    }
  });

  it('replays exactly the curl lines of the README walk-through', async () => {
    const readme = await readFile(README, 'utf8');
    const start = readme.indexOf('## A walk-through with curl');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const curls = section
      .split('\n')
      .filter((line) => line.startsWith('$ curl '))
      .map(curlRequest);
    const replayed = WALK_THROUGH.map((step) => ({
      request: normalized(step.request),
      body: step.body ?? null,
      contentType: step.contentType ?? null,
    }));
    expect(curls.length).toBeGreaterThanOrEqual(12);
    expect(curls).toEqual(replayed);
  });

  it('catches a request that breaks the document before the API sees it: 422 from the proxy, no job', async () => {
    const before = await jobCount();
    const answer = await send(proxy.url, 'POST', '/backups', '{"folder":5}', JSON_TYPE);
    expect(answer.status).toBe(422);
    expect(answer.body.type).toBe('https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY');
    expect(answer.violation).toContain('folder');
    expect(await jobCount()).toBe(before);
  });

  it('catches an answer that breaks the document: with a document that wants a field /stats lacks, a 500', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strongbox-openapi-'));
    let strict: CheckingProxy | undefined;
    try {
      const document = JSON.parse(await readFile(OPENAPI_DOCUMENT, 'utf8'));
      document.components.schemas.Stats.required.push('uptimeSeconds');
      const tampered = path.join(dir, 'openapi.json');
      await writeFile(tampered, JSON.stringify(document));
      strict = await startPrismProxy(stack.url, tampered);
      const answer = await send(strict.url, 'GET', '/stats');
      expect(answer.status).toBe(500);
      expect(answer.body.type).toBe('https://stoplight.io/prism/errors#VIOLATIONS');
      expect(answer.violation).toContain('uptimeSeconds');
    } finally {
      await strict?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function jobCount(): Promise<number> {
  const [rows] = await stack.db.query('SELECT COUNT(*) AS n FROM backup_job');
  return Number((rows as { n: number }[])[0]?.n);
}

// `GET /backups/{id}`, with ids and dates as placeholders, so that a real run's values compare.
function normalized(request: string): string {
  return request
    .replace(UUID, '{id}')
    .replace('{backup}', '{id}')
    .replace(/\d{4}-\d{2}-\d{2}|\{today\}/g, '{day}');
}

/** What a README line `$ curl -s -X POST 'localhost:3000/…' -H '…' -d '…' | jq …` sends. */
function curlRequest(line: string): { request: string; body: string | null; contentType: string | null } {
  const command = line.slice(2).split(' | ')[0] ?? '';
  const words = (command.match(/'[^']*'|\S+/g) ?? []).map((word) => word.replace(/^'(.*)'$/, '$1'));
  const option = (name: string) => {
    const at = words.indexOf(name);
    return at === -1 ? null : (words[at + 1] ?? null);
  };
  const body = option('-d');
  const header = option('-H');
  const url = words.find((word) => word.startsWith('localhost:3000')) ?? '';
  const method = option('-X') ?? (body === null ? 'GET' : 'POST');
  return {
    request: normalized(`${method} ${url.slice('localhost:3000'.length) || '/'}`),
    body,
    // curl sends -d as a form unless told otherwise.
    contentType: header ? header.replace(/^content-type:\s*/i, '') : body === null ? null : FORM,
  };
}
