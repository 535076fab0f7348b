import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

async function request(method: 'GET' | 'PUT' | 'PATCH', url: string, payload?: unknown, type?: string) {
  return t.app.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    headers: payload === undefined ? {} : { 'content-type': type ?? 'application/json' },
  });
}

const EMPTY = { exclude: [], excludeIfPresent: [], maxFileSize: null, retention: null };

function refused(message: string) {
  return { statusCode: 400, error: 'Bad Request', code: 'INVALID_POLICY', message };
}

describe('GET, PUT and PATCH /folders/{folder}/policy', () => {
  it('answers the empty policy for a folder that has none', async () => {
    const response = await request('GET', '/folders/photos%2F2024/policy');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(EMPTY);
  });

  it('PUT replaces the whole policy, a field left out having no rule, and answers it as stored', async () => {
    const put = await request('PUT', '/folders/put%2Fme/policy', {
      exclude: ['*.tmp', 'cache/', '!cache/keep.me', '# a comment', ''],
      excludeIfPresent: ['.nobackup', 'CACHEDIR.TAG'],
      maxFileSize: 10485760,
      retention: { keepLast: 3, keepDaily: 7 },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({
      exclude: ['*.tmp', 'cache/', '!cache/keep.me', '# a comment', ''],
      excludeIfPresent: ['.nobackup', 'CACHEDIR.TAG'],
      maxFileSize: 10485760,
      retention: { keepLast: 3, keepDaily: 7 },
    });
    const again = await request('PUT', '/folders/put%2Fme/policy', { excludeIfPresent: '.nobackup' });
    expect(again.json()).toEqual({ ...EMPTY, excludeIfPresent: ['.nobackup'] });
    expect((await request('GET', '/folders/put%2Fme/policy')).json()).toEqual({
      ...EMPTY,
      excludeIfPresent: ['.nobackup'],
    });
    expect((await request('PUT', '/folders/put%2Fme/policy', {})).json()).toEqual(EMPTY);
  });

  it('PATCH merges: a field left out stays, null resets it, retention merges rule by rule', async () => {
    const url = '/folders/patch%2Fme/policy';
    const first = await request('PATCH', url, {
      exclude: ['*.log'],
      retention: { keepDaily: 7, keepWeekly: 4 },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      ...EMPTY,
      exclude: ['*.log'],
      retention: { keepDaily: 7, keepWeekly: 4 },
    });
    const second = await request(
      'PATCH',
      url,
      { maxFileSize: 1024, retention: { keepWeekly: null, keepMonthly: 12 } },
      'application/merge-patch+json',
    );
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({
      ...EMPTY,
      exclude: ['*.log'],
      maxFileSize: 1024,
      retention: { keepDaily: 7, keepMonthly: 12 },
    });
    const third = await request('PATCH', url, {
      exclude: null,
      maxFileSize: null,
      excludeIfPresent: '.skip',
    });
    expect(third.json()).toEqual({
      ...EMPTY,
      excludeIfPresent: ['.skip'],
      retention: { keepDaily: 7, keepMonthly: 12 },
    });
    const fourth = await request('PATCH', url, { retention: null });
    expect(fourth.json()).toEqual({ ...EMPTY, excludeIfPresent: ['.skip'] });
    expect((await request('GET', url)).json()).toEqual({ ...EMPTY, excludeIfPresent: ['.skip'] });
  });

  it('counts two concurrent PATCHes of different fields both', async () => {
    const url = '/folders/concurrent/policy';
    const answers = await Promise.all([
      request('PATCH', url, { exclude: ['*.a'] }),
      request('PATCH', url, { maxFileSize: 5 }),
      request('PATCH', url, { retention: { keepLast: 2 } }),
    ]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
    expect((await request('GET', url)).json()).toEqual({
      ...EMPTY,
      exclude: ['*.a'],
      maxFileSize: 5,
      retention: { keepLast: 2 },
    });
  });

  it('refuses a bad policy with 400 INVALID_POLICY naming what is wrong, and changes nothing', async () => {
    const url = '/folders/guarded/policy';
    const stored = { ...EMPTY, exclude: ['*.tmp'], retention: { keepLast: 1 } };
    expect((await request('PUT', url, stored)).statusCode).toBe(200);
    const cases: [unknown, string][] = [
      [{ exlude: ['*.tmp'] }, 'The policy was refused: body: Unrecognized key: "exlude"'],
      [
        { retention: { keepLast: -1 } },
        'The policy was refused: body.retention.keepLast: Too small: expected number to be >=0',
      ],
      [
        { retention: { keepForever: 1 } },
        'The policy was refused: body.retention: Unrecognized key: "keepForever"',
      ],
      [{ maxFileSize: 0 }, 'The policy was refused: body.maxFileSize: Too small: expected number to be >0'],
      [
        { maxFileSize: 1.5 },
        'The policy was refused: body.maxFileSize: Invalid input: expected int, received number',
      ],
      [
        { exclude: ['ok', '**/a/**/b/**'] },
        'The policy was refused: body.exclude.1: The exclude line "**/a/**/b/**" has 3 "**": at most 2 are allowed, each more multiplies the matching work on deep trees',
      ],
      [
        { exclude: ['a\nb'] },
        'The policy was refused: body.exclude.0: The exclude line "a\\nb" has a control character (a newline, a tab, NUL…): give each pattern as a line of its own',
      ],
      [
        { exclude: ['dir\\'] },
        'The policy was refused: body.exclude.0: The exclude line "dir\\\\" ends with a lone backslash, which git finds invalid: escape it as "\\\\" or remove it',
      ],
      [
        { excludeIfPresent: '../.nobackup' },
        'The policy was refused: body.excludeIfPresent: A marker is one file name: no "/", not "." or "..", at most 255 bytes',
      ],
      [
        { exclude: '*.tmp' },
        'The policy was refused: body.exclude: Invalid input: expected array, received string',
      ],
    ];
    for (const [body, message] of cases) {
      for (const method of ['PUT', 'PATCH'] as const) {
        const response = await request(method, url, body);
        expect(response.statusCode, `${method} ${JSON.stringify(body)}`).toBe(400);
        expect(response.json(), `${method} ${JSON.stringify(body)}`).toEqual(refused(message));
      }
    }
    expect((await request('GET', url)).json()).toEqual(stored);
    // Nor is a folder noted by a refused policy.
    const refusedFolder = await request('PUT', '/folders/never%2Fset/policy', { maxFileSize: -1 });
    expect(refusedFolder.statusCode).toBe(400);
    expect((await request('GET', '/folders/never%2Fset')).statusCode).toBe(404);
  });

  it('refuses a folder the folder rule refuses with 400 INVALID_FOLDER, even with a bad body', async () => {
    for (const method of ['PUT', 'PATCH'] as const) {
      for (const body of [{}, { exclude: 'x' }]) {
        const response = await request(method, '/folders/a%2F%2Fb/policy', body);
        expect(response.statusCode, method).toBe(400);
        expect(response.json(), method).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          code: 'INVALID_FOLDER',
          message: 'The folder must not have empty segments (leading, trailing or double "/"): got "a//b"',
        });
      }
    }
    expect((await request('GET', '/folders/a%2F%2Fb')).statusCode).toBe(400);
  });

  it('refuses more than 1000 exclude lines and a line longer than 1000 characters', async () => {
    const lines = await request('PUT', '/folders/big/policy', { exclude: Array(1001).fill('*.tmp') });
    expect(lines.json()).toEqual(
      refused('The policy was refused: body.exclude: Too big: expected array to have <=1000 items'),
    );
    const long = await request('PUT', '/folders/big/policy', { exclude: ['x'.repeat(1001)] });
    expect(long.statusCode).toBe(400);
    expect(long.json().code).toBe('INVALID_POLICY');
    expect(long.json().message).toMatch(
      /^The policy was refused: body\.exclude\.0: The exclude line "x{100}"… \(1001 characters\) is longer than 1000 characters$/,
    );
  });
});
