/**
 * Hostile requests against the real API and worker processes (built output, real Redis and
 * MariaDB, run as the user the suite runs as: root on a server). Each case checks the exact status
 * and code of the answer, then (afterEach) that nothing changed beside the roots and that the
 * server still answers /health.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, waitFor } from '../e2e/stack.js';
import { expectProblem, type HostileStack, rawRequest, startHostileStack } from './harness.js';

const TOKEN = 'sec-token-0123456789abcdef';
const METRICS_TOKEN = 'scrape-only-token-abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let stack: HostileStack;
let backupId: string;

beforeAll(async () => {
  stack = await startHostileStack({
    env: { API_TOKENS: `${TOKEN},second-token-xyz`, METRICS_TOKEN, RATE_LIMIT_MAX: '0' },
  });
  await makeFolder(stack, 'base', { 'a.txt': 'alpha', 'sub/b.txt': 'beta' });
  const backup = await send('POST', '/backups?wait=30', { folder: 'base' });
  expect(backup.status, stack.output()).toBe(200);
  backupId = backup.body.id;
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  await stack.expectIntact();
});

function send(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  return call(stack, method, route, body, { ...AUTH, ...headers });
}

/** A request written by hand, with the token, so that nothing normalises it on the way. */
function raw(method: string, target: string, extra = '', body = '') {
  const length = body
    ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
    : '';
  return rawRequest(
    stack,
    `${method} ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n${extra}${length}Connection: close\r\n\r\n${body}`,
  );
}

async function jobCount(): Promise<number> {
  const [[row]] = (await stack.db.query('SELECT COUNT(*) AS n FROM backup_job')) as unknown as [
    [{ n: number }],
  ];
  return Number(row.n);
}

describe('folders that try to leave SOURCE_ROOT, in the body', () => {
  it.each([
    ['parent', '../etc'],
    ['bare parent', '..'],
    ['bare dot', '.'],
    ['parent in the middle', 'a/../../etc'],
    ['trailing parent', 'base/..'],
    ['dot segment', 'a/./b'],
    ['leading dot segment', './base'],
    ['absolute', '/etc/passwd'],
    ['root', '/'],
    ['double slash', 'a//b'],
    ['trailing slash', 'base/'],
    ['NUL', 'base\u0000/../../etc'],
    ['NUL alone', '\u0000'],
    ['lone high surrogate', 'bad\ud800name'],
    ['lone low surrogate', 'bad\udc00name'],
    ['reversed surrogate pair', 'x\udc00\ud800'],
    ['tab', 'tab\tname'],
    ['newline', 'line\nbreak'],
    ['carriage return', 'cr\rname'],
    ['escape sequence', 'esc\u001b[31mred'],
    ['DEL', 'del\u007f'],
    ['empty', ''],
    ['over 1000 bytes', 'x'.repeat(1001)],
    ['a 256-byte name', `ok/${'n'.repeat(256)}`],
    ['a 256-byte name of two-byte characters', 'é'.repeat(128)],
    ['over 4096 bytes', 'a/'.repeat(2100)],
    ['a file URL (an empty segment)', 'file:///etc'],
  ])('%s (%j) is 400 INVALID_FOLDER and records nothing', async (_, folder) => {
    const before = await jobCount();
    const answer = await send('POST', '/backups', { folder });
    expectProblem(answer, 400, 'INVALID_FOLDER');
    expect(answer.body.message.length).toBeLessThanOrEqual(500);
    expect(await jobCount()).toBe(before);
  });

  it.each([
    ['percent-encoded dots', '%2e%2e/etc'],
    ['double-encoded dots', '%252e%252e%252fetc'],
    ['backslashes', '..\\..\\etc'],
    ['a backslash root', '\\etc\\passwd'],
    ['a drive letter', 'C:\\Windows'],
    ['overlong UTF-8 as text', '%c0%ae%c0%ae/etc'],
    ['fullwidth dots', '\uff0e\uff0e/etc'],
    ['one-dot leaders', '\u2024\u2024/etc'],
    ['a two-dot leader', '\u2025/etc'],
    ['four dots', '..../etc'],
    ['a dot and a space', '.. /etc'],
    ['a home directory', '~root'],
    ['a shell variable', '$HOME/x'],
    ['a command substitution', '$(touch /tmp/x)'],
    ['SQL', "x'); DROP TABLE log; --"],
    ['a 255-byte name', 'n'.repeat(255)],
    ['a name like the layout record', '.strongbox-layout'],
    ['a percent alone', '%'],
  ])('%s (%j) is only a name: the job fails with NO_SUCH_DIRECTORY (404 with ?wait)', async (_, folder) => {
    const answer = await send('POST', '/backups?wait=30', { folder });
    expect(answer.status, stack.output()).toBe(404);
    expect(answer.body).toMatchObject({ folder, status: 'failed', error: { code: 'NO_SUCH_DIRECTORY' } });
    expect(answer.body.error.message).toBe(`No such directory: ${folder}`);
  });
});

describe('folders that try to leave SOURCE_ROOT, in the URL of POST /backup/{folder}', () => {
  it.each([
    ['encoded parent', '/backup/..%2f..%2fetc', 400, 'INVALID_FOLDER'],
    ['encoded dots and slash', '/backup/%2e%2e%2fetc', 400, 'INVALID_FOLDER'],
    ['encoded bare parent', '/backup/%2e%2e', 400, 'INVALID_FOLDER'],
    ['encoded absolute', '/backup/%2fetc%2fpasswd', 400, 'INVALID_FOLDER'],
    ['encoded double slash', '/backup/a%2f%2fb', 400, 'INVALID_FOLDER'],
    ['encoded NUL', '/backup/base%00', 400, 'INVALID_FOLDER'],
    ['encoded newline', '/backup/a%0ab', 400, 'INVALID_FOLDER'],
    ['overlong UTF-8 dots', '/backup/%c0%ae%c0%ae%c0%afetc', 400, 'INVALID_URL'],
    ['overlong UTF-8 slash', '/backup/..%c0%afetc', 400, 'INVALID_URL'],
    ['an encoded lone surrogate', '/backup/bad%ed%a0%80name', 400, 'INVALID_URL'],
    ['a byte that is not UTF-8', '/backup/%ff', 400, 'INVALID_URL'],
    ['broken percent-encoding', '/backup/%zz', 400, 'INVALID_URL'],
    ['a lone percent', '/backup/a%', 400, 'INVALID_URL'],
    ['an encoded 256-byte name', `/backup/${'n'.repeat(256)}`, 400, 'INVALID_FOLDER'],
    ['a path over 4096 bytes', `/backup/${'a/'.repeat(2100)}a`, 400, 'INVALID_FOLDER'],
    ['an encoded path over 4096 bytes', `/backup/${'a%2f'.repeat(2100)}a`, 400, 'INVALID_FOLDER'],
  ])('%s (%s) is %i %s', async (_, target, status, code) => {
    const before = await jobCount();
    expectProblem(await raw('POST', target), status, code);
    expect(await jobCount()).toBe(before);
  });

  it.each([
    ['raw parent segments', '/backup/../../etc/passwd'],
    ['raw parent after a folder', '/backup/base/../../../etc'],
    ['raw dot segment', '/backup/./base'],
  ])('%s (%s) never backs up what lies outside: 400 INVALID_FOLDER', async (_, target) => {
    const before = await jobCount();
    expectProblem(await raw('POST', target), 400, 'INVALID_FOLDER');
    expect(await jobCount()).toBe(before);
  });

  it.each([
    ['double-encoded parent', '/backup/%252e%252e%252fetc', '%2e%2e%2fetc'],
    ['encoded backslashes', '/backup/..%5c..%5cetc', '..\\..\\etc'],
    ['unicode dot leaders', '/backup/%e2%80%a4%e2%80%a4', '\u2024\u2024'],
  ])('%s (%s) is only a name: 404 NO_SUCH_DIRECTORY with ?wait', async (_, target, folder) => {
    const answer = await raw('POST', `${target}?wait=30`);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ folder, status: 'failed', error: { code: 'NO_SUCH_DIRECTORY' } });
  });
});

describe('restore targets and paths', () => {
  it.each([
    ['parent', { target: '../escaped' }, 'INVALID_TARGET'],
    ['absolute', { target: '/tmp/escaped' }, 'INVALID_TARGET'],
    ['parent in the middle', { target: 'a/../../escaped' }, 'INVALID_TARGET'],
    ['NUL', { target: 'x\u0000y' }, 'INVALID_TARGET'],
    ['lone surrogate', { target: 'x\ud800' }, 'INVALID_TARGET'],
    ['a 256-byte name', { target: `r/${'t'.repeat(256)}` }, 'INVALID_TARGET'],
    ['empty', { target: '' }, 'INVALID_TARGET'],
    ['path with parents', { target: 'fine', path: '../../etc/passwd' }, 'INVALID_PATH'],
    ['absolute path', { target: 'fine', path: '/etc/passwd' }, 'INVALID_PATH'],
    ['a 256-byte path name', { target: 'fine', path: 'p'.repeat(256) }, 'INVALID_PATH'],
    ['path with a control character', { target: 'fine', path: 'a\u0007' }, 'INVALID_PATH'],
  ])('%s is 400 %s and records nothing', async (_, body, code) => {
    const before = await jobCount();
    expectProblem(await send('POST', `/backups/${backupId}/restore`, body), 400, code);
    expect(await jobCount()).toBe(before);
  });

  it.each([
    ['a target that is a number', { target: 5 }],
    ['a target that is an array', { target: ['a'] }],
    ['no target', {}],
    ['a path that is null', { target: 'fine', path: null }],
  ])('%s is 400 VALIDATION', async (_, body) => {
    expectProblem(await send('POST', `/backups/${backupId}/restore`, body), 400, 'VALIDATION');
  });

  it('a legal 250-byte target restores (temporary names stay within limits)', async () => {
    const target = `long/${'t'.repeat(250)}`;
    const answer = await send('POST', `/backups/${backupId}/restore?wait=30`, { target });
    expect(answer.status, stack.output()).toBe(200);
    expect(answer.body).toMatchObject({ status: 'succeeded', result: { target, files: 2, bytes: 9 } });
  });

  it('a missing 250-byte path is NO_SUCH_PATH, not IO_ERROR', async () => {
    const answer = await send('POST', `/backups/${backupId}/restore?wait=30`, {
      target: 'missing-path',
      path: `sub/${'p'.repeat(250)}`,
    });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ status: 'failed', error: { code: 'NO_SUCH_PATH' } });
  });
});

describe('ids', () => {
  it.each([
    ['GET', `/backups/${'a'.repeat(9000)}`],
    ['GET', '/backups/not-a-uuid'],
    ['GET', '/backups/00000000-0000-0000-0000-000000000000'],
    ['GET', "/backups/1'%20OR%20'1'%3D'1"],
    ['GET', '/backups/..%2f..%2fetc%2fpasswd'],
    ['GET', '/backups/%00'],
    ['DELETE', '/backups/not-a-uuid'],
    ['DELETE', '/backups/ffffffff-ffff-ffff-ffff-ffffffffffff'],
    ['POST', '/backups/not-a-uuid/verify'],
    ['POST', '/backups/00000000-0000-0000-0000-000000000000/verify'],
    ['GET', '/schedules/not-a-uuid'],
    ['DELETE', '/schedules/00000000-0000-0000-0000-000000000000'],
  ])('%s %s is 404 NOT_FOUND, echoing at most 100 characters', async (method, route) => {
    const answer = await send(method, route);
    expectProblem(answer, 404, 'NOT_FOUND');
    expect(JSON.stringify(answer.body)).not.toContain('a'.repeat(101));
  });

  it('a restore of an unknown backup is 404 NOT_FOUND', async () => {
    const answer = await send('POST', '/backups/00000000-0000-0000-0000-000000000000/restore', {
      target: 'x',
    });
    expectProblem(answer, 404, 'NOT_FOUND');
  });

  it('a restore of a restore job is 404 NOT_FOUND', async () => {
    const restore = await send('POST', `/backups/${backupId}/restore`, { target: 'of-restore' });
    expect(restore.status).toBe(202);
    const answer = await send('POST', `/backups/${restore.body.id}/restore`, { target: 'y' });
    expectProblem(answer, 404, 'NOT_FOUND');
  });

  it('an unknown route of 9000 characters is 404 NOT_FOUND', async () => {
    const answer = await send('GET', `/${'z'.repeat(9000)}`);
    expectProblem(answer, 404, 'NOT_FOUND');
    expect(JSON.stringify(answer.body)).not.toContain('z'.repeat(101));
  });
});

describe('bodies', () => {
  it.each([
    ['a number folder', { folder: 5 }],
    ['a null folder', { folder: null }],
    ['an array folder', { folder: ['base'] }],
    ['an object folder', { folder: { $ne: '' } }],
    ['a boolean folder', { folder: true }],
    ['no folder', {}],
    ['an array', ['base']],
    ['a string', 'base'],
    ['null', null],
    ['a number', 42],
  ])('%s is 400 VALIDATION', async (_, body) => {
    const before = await jobCount();
    expectProblem(await send('POST', '/backups', body), 400, 'VALIDATION');
    expect(await jobCount()).toBe(before);
  });

  it.each([
    ['an unclosed object', '{"folder": "base"'],
    ['a trailing comma', '{"folder": "base",}'],
    ['single quotes', "{'folder': 'base'}"],
    ['a bare word', 'folder'],
    ['a NaN', '{"folder": NaN}'],
  ])('%s is 400 INVALID_JSON', async (_, text) => {
    expectProblem(await raw('POST', '/backups', '', text), 400, 'INVALID_JSON');
  });

  it('an empty JSON body is 400 INVALID_JSON', async () => {
    const answer = await raw('POST', '/backups', 'Content-Type: application/json\r\nContent-Length: 0\r\n');
    expectProblem(answer, 400, 'INVALID_JSON');
  });

  it('a body whose bytes are not UTF-8 is 400 INVALID_JSON', async () => {
    const body = Buffer.concat([Buffer.from('{"folder":"bad'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const head = `POST /backups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    expectProblem(await rawRequest(stack, Buffer.concat([Buffer.from(head), body])), 400, 'INVALID_JSON');
  });

  it('a body over 64 KiB is 413 PAYLOAD_TOO_LARGE', async () => {
    const answer = await send('POST', '/backups', { folder: 'base', pad: 'x'.repeat(70_000) });
    expectProblem(answer, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a body announced as 10 MB is 413 PAYLOAD_TOO_LARGE before it is read', async () => {
    const answer = await rawRequest(
      stack,
      `POST /backups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"folder":"`,
    );
    expectProblem(answer, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('JSON nested 20,000 deep is refused with 400 VALIDATION', async () => {
    const answer = await raw('POST', '/backups', '', `${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    expectProblem(answer, 400, 'VALIDATION');
  });

  it('extra fields are dropped: the job backs up the folder named and nothing else', async () => {
    const answer = await send('POST', '/backups', {
      folder: 'base',
      kind: 'restore',
      params: { target: '../x' },
      status: 'succeeded',
      __proto__: { folder: '../etc' },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ kind: 'backup', folder: 'base', params: null, status: 'queued' });
  });

  it('a __proto__ key in JSON does not change the folder', async () => {
    const answer = await raw('POST', '/backups', '', '{"folder":"base","__proto__":{"folder":"../etc"}}');
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('INVALID_JSON');
  });

  it('text/plain is read as a string: 400 VALIDATION', async () => {
    const answer = await rawRequest(
      stack,
      `POST /backups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: text/plain\r\nContent-Length: 18\r\nConnection: close\r\n\r\n{"folder":"base"}\n`,
    );
    expectProblem(answer, 400, 'VALIDATION');
  });

  it.each(['application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'])(
    'content type %s is 415 UNSUPPORTED_MEDIA_TYPE',
    async (type) => {
      const answer = await rawRequest(
        stack,
        `POST /backups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: ${type}\r\nContent-Length: 17\r\nConnection: close\r\n\r\n{"folder":"base"}`,
      );
      expectProblem(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it.each([
    ['a cron of 4 fields', { folder: 'base', cron: '* * * *' }],
    ['a cron out of range', { folder: 'base', cron: '61 * * * *' }],
    ['a shell command as cron', { folder: 'base', cron: '* * * * * ; rm -rf /' }],
    ['an unknown time zone', { folder: 'base', cron: '0 3 * * *', tz: '../../etc/localtime' }],
  ])('a schedule with %s is 400 INVALID_SCHEDULE', async (_, body) => {
    expectProblem(await send('POST', '/schedules', body), 400, 'INVALID_SCHEDULE');
  });

  it('a schedule for a folder with parents is 400 INVALID_FOLDER', async () => {
    expectProblem(
      await send('POST', '/schedules', { folder: '../etc', cron: '0 3 * * *' }),
      400,
      'INVALID_FOLDER',
    );
  });

  it('a wait over 300 s is 400 INVALID_QUERY', async () => {
    expectProblem(await send('POST', '/backups?wait=301', { folder: 'base' }), 400, 'INVALID_QUERY');
  });
});

describe('headers and HTTP itself', () => {
  it('a 100 KB request line is 431 HEADERS_TOO_LARGE echoing none of it', async () => {
    const answer = await rawRequest(stack, `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expectProblem(answer, 431, 'HEADERS_TOO_LARGE');
    expect(answer.raw.length).toBeLessThan(1000);
  });

  it('a 20 KB header is 431 HEADERS_TOO_LARGE', async () => {
    const answer = await rawRequest(
      stack,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    );
    expectProblem(answer, 431, 'HEADERS_TOO_LARGE');
  });

  it.each([
    ['a control byte in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Odd: a\u0001b\r\n\r\n'],
    ['a NUL in a header', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Odd: a\u0000b\r\n\r\n'],
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['an unknown HTTP version', 'GET /health HTTP/9.9\r\nHost: x\r\n\r\n'],
    ['a space in the target', 'GET /he alth HTTP/1.1\r\nHost: x\r\n\r\n'],
    [
      'two different Content-Lengths',
      'POST /backups HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
    ],
    [
      'Content-Length with chunked encoding',
      'POST /backups HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['a bad chunk size', 'POST /backups HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a header without a colon', 'GET /health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n'],
  ])('%s is 400 MALFORMED_REQUEST', async (_, request) => {
    expectProblem(await rawRequest(stack, request), 400, 'MALFORMED_REQUEST');
  });

  it('an Idempotency-Key over 255 characters is 400 VALIDATION', async () => {
    const answer = await send('POST', '/backups', { folder: 'base' }, { 'idempotency-key': 'k'.repeat(256) });
    expectProblem(answer, 400, 'VALIDATION');
  });
});

describe('tokens', () => {
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it.each([
    ['no token', undefined],
    ['an empty bearer', 'Bearer '],
    ['a wrong token', 'Bearer wrong'],
    ['the token without its last character', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token with one more character', `Bearer ${TOKEN}x`],
    ['the token in upper case', `Bearer ${TOKEN.toUpperCase()}`],
    ['the token with a prefix', `Bearer x${TOKEN}`],
    ['both tokens joined', `Bearer ${TOKEN},second-token-xyz`],
    ['the token without a scheme', TOKEN],
    ['another scheme', `Token ${TOKEN}`],
    ['the metrics token', `Bearer ${METRICS_TOKEN}`],
    ['Basic with a wrong password', basic('ops', 'wrong')],
    ['Basic with the token as user name', basic(TOKEN, '')],
    ['Basic that is not base64', 'Basic %%%'],
  ])('%s is 401 UNAUTHORIZED on GET /stats', async (_, authorization) => {
    const answer = await call(stack, 'GET', '/stats', undefined, authorization ? { authorization } : {});
    expectProblem(answer, 401, 'UNAUTHORIZED');
  });

  it.each(['/stats?token=TOKEN', '/stats?access_token=TOKEN', '/stats?api_key=TOKEN'])(
    'a token in the query (%s) is 401 UNAUTHORIZED',
    async (route) => {
      expectProblem(await call(stack, 'GET', route.replace('TOKEN', TOKEN)), 401, 'UNAUTHORIZED');
    },
  );

  it.each([
    ['POST', '/backups'],
    ['GET', '/admin/queues'],
    ['GET', '/ready'],
    ['GET', '/no/such/route'],
    ['GET', '/metrics'],
  ])('%s %s without a token is 401 UNAUTHORIZED', async (method, route) => {
    const answer = await call(stack, method, route, method === 'POST' ? { folder: 'base' } : undefined);
    expectProblem(answer, 401, 'UNAUTHORIZED');
  });

  it('the metrics token opens /metrics and nothing else', async () => {
    const metrics = await fetch(`${stack.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(metrics.status).toBe(200);
    await metrics.text();
    const stats = await call(stack, 'GET', '/stats', undefined, { authorization: `Bearer ${METRICS_TOKEN}` });
    expectProblem(stats, 401, 'UNAUTHORIZED');
  });

  it('the token as Basic password with any user name opens the API', async () => {
    const answer = await call(stack, 'GET', '/stats', undefined, { authorization: basic('anyone', TOKEN) });
    expect(answer.status).toBe(200);
  });

  it.each([
    ['/logs?from=TOKEN', 400, 'INVALID_DATE_RANGE', 'from'],
    ['/logs?to=METRICS', 400, 'INVALID_DATE_RANGE', 'to'],
    ['/backups/TOKEN', 404, 'NOT_FOUND', null],
    ['/schedules/METRICS', 404, 'NOT_FOUND', null],
  ])(
    'a token in a refused URL (%s) is neither echoed nor kept in a log row',
    async (route, status, code, bound) => {
      const answer = await send('GET', route.replace('TOKEN', TOKEN).replace('METRICS', METRICS_TOKEN));
      expectProblem(answer, status, code);
      expect(answer.body.message).toContain('[REDACTED]');
      for (const secret of [TOKEN, METRICS_TOKEN]) expect(JSON.stringify(answer.body)).not.toContain(secret);
      if (bound === null) return;
      // Rows of reads are written in batches: wait for this one, then read what every client may.
      let rows: { parameter: string; message: string }[] = [];
      await waitFor(
        async () => {
          rows = (await send('GET', '/logs?action=Get%20Log&status=FAILED&limit=1000')).body.items;
          return rows.some((row) => row.parameter === `${bound}=[REDACTED]`);
        },
        30_000,
        () => `no FAILED Get Log row for ${bound}: ${JSON.stringify(rows)}`,
      );
      const row = rows.find((item) => item.parameter === `${bound}=[REDACTED]`);
      expect(row?.message).toBe(
        `${bound}="[REDACTED]" is not a date: expected a day such as 2026-11-22 or an ISO-8601 instant such as 2026-11-22T01:02:03Z`,
      );
      for (const secret of [TOKEN, METRICS_TOKEN]) expect(JSON.stringify(rows)).not.toContain(secret);
    },
  );

  it('no token is ever written to the logs', async () => {
    const output = stack.output();
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(METRICS_TOKEN);
    expect(output).not.toContain(Buffer.from(`anyone:${TOKEN}`).toString('base64'));
  });
});

describe('dates of GET /logs', () => {
  beforeAll(async () => {
    const insert = 'INSERT INTO log (date, action, parameter, status) VALUES (?, ?, ?, ?)';
    await stack.db.query(insert, ['2001-03-01 00:00:00', 'Backup', 'dates/a', 'SUCCESS']);
  });

  async function rows(query: string): Promise<string[]> {
    const answer = await send('GET', `/logs?action=Backup&limit=1000&${query}`);
    expect(answer.status).toBe(200);
    return answer.body.items.map((row: { parameter: string }) => row.parameter);
  }

  it.each([
    'to=9999-12-31',
    'from=0001-01-01',
    'from=0000-01-01&to=9999-12-31T23:59:59.999Z',
    'end=9999-12-31',
  ])('%s answers every row, not an empty success', async (query) => {
    expect(await rows(query)).toContain('dates/a');
  });

  it.each(['from=2040-01-01', 'to=1969-12-31'])(
    '%s answers no rows: none can be in that range',
    async (query) => {
      expect(await rows(query)).toEqual([]);
    },
  );

  it.each([
    'from=2026-02-30',
    'from=2026-13-01',
    'to=2026-00-10',
    'from=1700000000',
    'from=2026-11-22T01:02:03',
    'from=2026-11-22T24:00Z',
    'from=2026-11-22T23:60Z',
    'from=%202026-11-22',
    'from=+275760-09-13',
    'from=-000001-01-01',
    'from=99999-01-01',
    'from=2026-11-22T01:02Z%00',
    'from=2026-11-02&to=2026-11-01',
    'from=2026-11-01&start=2026-11-02',
    'to=2026-11-01&end=2026-11-02',
    'from=',
    'from=now',
  ])('%s is 400 INVALID_DATE_RANGE', async (query) => {
    const answer = await send('GET', `/logs?${query}`);
    expectProblem(answer, 400, 'INVALID_DATE_RANGE');
    expect(answer.body.message).not.toContain('9'.repeat(101));
  });

  it.each([
    'limit=0',
    'limit=1001',
    'limit=-1',
    'limit=1e3x',
    'status=MAYBE',
    `from=${'9'.repeat(5000)}`,
    `cursor=${'c'.repeat(2000)}`,
  ])('%s is 400 INVALID_QUERY', async (query) => {
    const answer = await send('GET', `/logs?${query}`);
    expectProblem(answer, 400, 'INVALID_QUERY');
    expect(answer.body.message).not.toMatch(/(9|c){101}/);
  });

  it.each(['cursor=abc', "cursor=' OR 1=1 --"])('%s is 400 INVALID_CURSOR', async (query) => {
    expectProblem(await send('GET', `/logs?${encodeURI(query)}`), 400, 'INVALID_CURSOR');
  });

  it('SQL in a filter is only a value: no rows, the log table intact', async () => {
    const answer = await send('GET', `/logs?action=${encodeURIComponent("Backup' OR '1'='1")}`);
    expect(answer.status).toBe(200);
    expect(answer.body.items).toEqual([]);
    const [tables] = await stack.db.query<RowDataPacket[]>("SHOW TABLES LIKE 'log'");
    expect(tables).toHaveLength(1);
  });
});

describe('Idempotency-Key reuse', () => {
  it('answers the first job to the same request and 422 IDEMPOTENCY_KEY_REUSED to any other', async () => {
    await makeFolder(stack, 'idem/a', { 'f.txt': 'f' });
    const key = { 'idempotency-key': 'hostile-key-1' };
    const first = await send('POST', '/backups', { folder: 'idem/a' }, key);
    expect(first.status).toBe(202);
    const again = await send('POST', '/backups?wait=1', { folder: 'idem/a' }, key);
    expect(again.status === 200 || again.status === 202).toBe(true);
    expect(again.body.id).toBe(first.body.id);
    const before = await jobCount();
    const reuses = [
      await send('POST', '/backups', { folder: 'idem/b' }, key),
      await send('POST', `/backup/${encodeURIComponent('idem/a')}`, undefined, key),
      await send('POST', `/backups/${backupId}/verify`, undefined, key),
      await send('POST', `/backups/${backupId}/restore`, { target: 'idem-target' }, key),
    ];
    for (const answer of reuses) expectProblem(answer, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await jobCount()).toBe(before);
  });

  it('binds a restore key to its target and path', async () => {
    const key = { 'idempotency-key': 'hostile-key-2' };
    const first = await send('POST', `/backups/${backupId}/restore`, { target: 'idem/r1' }, key);
    expect(first.status).toBe(202);
    expectProblem(
      await send('POST', `/backups/${backupId}/restore`, { target: 'idem/r2' }, key),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    expectProblem(
      await send('POST', `/backups/${backupId}/restore`, { target: 'idem/r1', path: 'sub' }, key),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
  });
});
