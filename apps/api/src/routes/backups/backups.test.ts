import type { Job } from '@strongbox/contract';
import { finishJob, startJob } from '@strongbox/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY_REUSED_ANSWER } from '../../testing/answers.js';
import { backupResult, endWhenRecorded } from '../../testing/jobs.js';
import { ISO_DATE, startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

async function post(folder: string, headers: Record<string, string> = {}, query = '') {
  return t.app.inject({ method: 'POST', url: `/backups${query}`, payload: { folder }, headers });
}

async function count(sql: string): Promise<number> {
  const [rows] = await t.db.query(sql);
  return Number((rows as { n: number }[])[0]?.n);
}

describe('POST /backups', () => {
  it('answers 202 with the whole job object and its Location', async () => {
    const response = await post('photos/2024');
    expect(response.statusCode).toBe(202);
    const job = response.json();
    expect(response.headers.location).toBe(`/backups/${job.id}`);
    expect(Object.keys(job).sort()).toEqual(
      [
        'id',
        'kind',
        'folder',
        'scheduleId',
        'status',
        'attempts',
        'worker',
        'createdAt',
        'startedAt',
        'finishedAt',
        'progress',
        'result',
        'error',
        'params',
        'prunedAt',
      ].sort(),
    );
    expect(job).toMatchObject({
      kind: 'backup',
      folder: 'photos/2024',
      scheduleId: null,
      status: 'queued',
      attempts: 0,
      worker: null,
      startedAt: null,
      finishedAt: null,
      progress: { filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null },
      result: null,
      error: null,
      params: null,
      prunedAt: null,
    });
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.createdAt).toMatch(ISO_DATE);
  });

  it('hands the job to the queue with jobId = id, name = kind and data {id, folder}', async () => {
    const job = (await post('queue/check')).json();
    const queued = await t.queue.getJob(job.id);
    expect(queued?.id).toBe(job.id);
    expect(queued?.name).toBe('backup');
    expect(queued?.data).toEqual({ id: job.id, folder: 'queue/check' });
  });

  it('answers the queued job again for a second request for the same folder', async () => {
    const first = await post('same/folder');
    const second = await t.app.inject({ method: 'POST', url: '/backup/same%2Ffolder' });
    expect(second.statusCode).toBe(202);
    expect(second.json().id).toBe(first.json().id);
    expect(await count("SELECT COUNT(*) AS n FROM backup_job WHERE folder = 'same/folder'")).toBe(1);
  });

  it('answers the same job for the same Idempotency-Key with the same request, whatever its state', async () => {
    const first = await post('idem/one', { 'idempotency-key': 'key-1' });
    const job = first.json();
    await startJob(t.db, job.id, 'test:1');
    const again = await post('idem/one', { 'idempotency-key': 'key-1' });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ id: job.id, folder: 'idem/one', status: 'running' });
  });

  it('refuses the same Idempotency-Key with another folder or on another route with 422, creating nothing', async () => {
    await post('idem/bound', { 'idempotency-key': 'key-bound' });
    const jobs = await count('SELECT COUNT(*) AS n FROM backup_job');
    const otherFolder = await post('idem/other', { 'idempotency-key': 'key-bound' });
    const otherRoute = await t.app.inject({
      method: 'POST',
      url: '/backup/idem%2Fbound',
      headers: { 'idempotency-key': 'key-bound' },
    });
    for (const response of [otherFolder, otherRoute]) {
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual(IDEMPOTENCY_KEY_REUSED_ANSWER);
    }
    expect(await count('SELECT COUNT(*) AS n FROM backup_job')).toBe(jobs);
  });

  it('takes the folder from the URL in POST /backup/{folder}, encoded or not', async () => {
    const encoded = await t.app.inject({ method: 'POST', url: '/backup/url%20form%2F2024' });
    expect(encoded.statusCode).toBe(202);
    expect(encoded.json().folder).toBe('url form/2024');
    expect(encoded.headers.location).toBe(`/backups/${encoded.json().id}`);
    const plain = await t.app.inject({ method: 'POST', url: '/backup/plain/path' });
    expect(plain.statusCode).toBe(202);
    expect(plain.json().folder).toBe('plain/path');
  });

  describe('refuses a bad folder with 400 INVALID_FOLDER, creating no job and no Backup row', () => {
    const bad: [string, string][] = [
      ['empty', ''],
      ['absolute', '/etc'],
      ['parent', '../outside'],
      ['inner parent', 'a/../../b'],
      ['dot', '.'],
      ['dot segment', 'a/./b'],
      ['double slash', 'a//b'],
      ['trailing slash', 'a/'],
      ['NUL', 'a\u0000b'],
      ['control character', 'a\nb'],
      ['longer than 1000 bytes', 'é'.repeat(501)],
      ['a name longer than 255 bytes', `ok/${'n'.repeat(256)}`],
      ['a lone surrogate', 'bad\ud800name'],
    ];

    it.each(bad)('%s in the body', async (_name, folder) => {
      const jobs = await count('SELECT COUNT(*) AS n FROM backup_job');
      const backupRows = await count("SELECT COUNT(*) AS n FROM log WHERE action = 'Backup'");
      const response = await post(folder);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_FOLDER',
      });
      expect(response.json().message).toMatch(/^The folder must .*: got "/);
      expect(await count('SELECT COUNT(*) AS n FROM backup_job')).toBe(jobs);
      expect(await count("SELECT COUNT(*) AS n FROM log WHERE action = 'Backup'")).toBe(backupRows);
    });

    // A lone surrogate cannot even be percent-encoded: the URL form of it is below.
    const inUrl = bad.filter(([name]) => name !== 'empty' && name !== 'a lone surrogate');
    it.each(inUrl)('%s in the URL', async (_name, folder) => {
      const jobs = await count('SELECT COUNT(*) AS n FROM backup_job');
      const response = await t.app.inject({ method: 'POST', url: `/backup/${encodeURIComponent(folder)}` });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('INVALID_FOLDER');
      expect(await count('SELECT COUNT(*) AS n FROM backup_job')).toBe(jobs);
    });
  });

  it('says what is wrong with the folder in one sentence, echoing a bounded piece of it', async () => {
    const parent = await post('../etc');
    expect(parent.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'INVALID_FOLDER',
      message: 'The folder must not have "." or ".." segments: got "../etc"',
    });
    const surrogate = await post('bad\ud800name');
    expect(surrogate.json().message).toBe(
      'The folder must be well-formed Unicode: it has a lone surrogate: got "bad\\ud800name"',
    );
    const long = await post('x'.repeat(5000));
    expect(long.json().message).toBe(
      `The folder must be at most 1000 bytes long: got "${'x'.repeat(100)}"… (5000 characters)`,
    );
  });

  it('refuses a lone surrogate percent-encoded in the URL as a broken URL', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/backup/bad%ED%A0%80name' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'INVALID_URL' });
    expect(response.json().message).not.toContain('bad');
  });

  it('refuses a body that is not UTF-8 instead of reading U+FFFD into the folder', async () => {
    const jobs = await count('SELECT COUNT(*) AS n FROM backup_job');
    const response = await t.app.inject({
      method: 'POST',
      url: '/backups',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.concat([Buffer.from('{"folder": "caf'), Buffer.from([0xe9]), Buffer.from('"}')]),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'INVALID_JSON',
      message: 'The request body is not valid UTF-8: JSON must be sent as UTF-8',
    });
    expect(await count('SELECT COUNT(*) AS n FROM backup_job')).toBe(jobs);
  });

  it('refuses wrong types, missing fields and malformed JSON with 400', async () => {
    const wrongType = await t.app.inject({ method: 'POST', url: '/backups', payload: { folder: 5 } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'VALIDATION' });
    expect(wrongType.json().message).toContain('folder');

    const missing = await t.app.inject({ method: 'POST', url: '/backups', payload: {} });
    expect(missing.statusCode).toBe(400);

    const malformed = await t.app.inject({
      method: 'POST',
      url: '/backups',
      headers: { 'content-type': 'application/json' },
      payload: '{"folder": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ statusCode: 400, code: 'INVALID_JSON' });
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const response = await post('x'.repeat(70 * 1024));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({
      statusCode: 413,
      error: 'Payload Too Large',
      code: 'PAYLOAD_TOO_LARGE',
    });
  });

  it('refuses wait beyond 300 seconds', async () => {
    const response = await post('wait/too/long', {}, '?wait=301');
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('INVALID_QUERY');
  });
});

describe('POST /backups?wait=N', () => {
  it('answers 200 with the job when it succeeds while the client waits', async () => {
    const answer = post('wait/ok', {}, '?wait=60');
    await endWhenRecorded(t.db, 'wait/ok', (job) =>
      finishJob(t.db, job.id, { status: 'succeeded', kind: 'backup', result: backupResult('wait/ok/s1') }),
    );
    const response = await answer;
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      folder: 'wait/ok',
      status: 'succeeded',
      result: backupResult('wait/ok/s1'),
    });
    expect(response.json().finishedAt).toMatch(ISO_DATE);
    expect(response.headers.location).toBe(`/backups/${response.json().id}`);
  });

  it('answers 404 with the job when the folder does not exist', async () => {
    const answer = post('wait/missing', {}, '?wait=60');
    await endWhenRecorded(t.db, 'wait/missing', (job) =>
      finishJob(t.db, job.id, {
        status: 'failed',
        error: { code: 'NO_SUCH_DIRECTORY', message: 'No such directory: wait/missing' },
      }),
    );
    const response = await answer;
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      status: 'failed',
      error: { code: 'NO_SUCH_DIRECTORY', message: 'No such directory: wait/missing' },
    });
  });

  it('answers 422 with the job when the folder is a file, and 500 for other failures', async () => {
    const first = (await post('wait/file', { 'idempotency-key': 'wait-file' })).json();
    await startJob(t.db, first.id, 'test:1');
    await finishJob(t.db, first.id, {
      status: 'failed',
      error: { code: 'NOT_A_DIRECTORY', message: 'Not a directory: wait/file' },
    });
    const response = await post('wait/file', { 'idempotency-key': 'wait-file' }, '?wait=5');
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ id: first.id, error: { code: 'NOT_A_DIRECTORY' } });

    const other = (await post('wait/io', { 'idempotency-key': 'wait-io' })).json();
    await startJob(t.db, other.id, 'test:1');
    await finishJob(t.db, other.id, { status: 'failed', error: { code: 'IO_ERROR', message: 'I/O error' } });
    const failed = await post('wait/io', { 'idempotency-key': 'wait-io' }, '?wait=5');
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toMatchObject({ id: other.id, status: 'failed', error: { code: 'IO_ERROR' } });
  });

  it('answers 202 when the job is still going at the end of the wait', async () => {
    const response = await post('wait/slow', {}, '?wait=0.3');
    expect(response.statusCode).toBe(202);
    expect(response.json().status).toBe('queued');
  });
});

describe('GET /backups/{id}', () => {
  it('answers the job as MySQL has it', async () => {
    const created = (await post('get/one')).json();
    await startJob(t.db, created.id, 'host:42');
    const response = await t.app.inject({ method: 'GET', url: `/backups/${created.id}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: created.id,
      status: 'running',
      attempts: 1,
      worker: 'host:42',
    });
    expect(response.json().startedAt).toMatch(ISO_DATE);
  });

  it('answers 404 for an unknown id and for an id that is not a UUID', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await t.app.inject({ method: 'GET', url: `/backups/${id}` });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        code: 'NOT_FOUND',
        message: `There is no job with id "${id}"`,
      });
    }
  });

  it('answers 404 for an id of 9000 characters, echoing none of it', async () => {
    for (const url of [`/backups/${'a'.repeat(9000)}`, `/backups/${'b'.repeat(9000)}/verify`]) {
      const response = await t.app.inject({ method: url.endsWith('verify') ? 'POST' : 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        code: 'NOT_FOUND',
        message: 'There is no job or schedule with that id: ids are UUIDs',
      });
    }
  });
});

describe('GET /backups', () => {
  it('lists newest first, filters, and pages with a cursor', async () => {
    const ids: string[] = [];
    for (const folder of ['list/a', 'list/b', 'list/c']) ids.push((await post(folder)).json().id);
    await startJob(t.db, ids[1] as string, 'test:1');

    const first = await t.app.inject({ method: 'GET', url: '/backups?limit=2' });
    expect(first.statusCode).toBe(200);
    const page = first.json();
    expect(page.items.map((job: Job) => job.id)).toEqual([ids[2], ids[1]]);
    expect(page.nextCursor).toEqual(expect.any(String));
    const second = await t.app.inject({
      method: 'GET',
      url: `/backups?limit=2&cursor=${encodeURIComponent(page.nextCursor)}`,
    });
    expect(second.json().items[0].id).toBe(ids[0]);

    const running = await t.app.inject({ method: 'GET', url: '/backups?status=running&folder=list%2Fb' });
    expect(running.json()).toEqual({ items: [expect.objectContaining({ id: ids[1] })], nextCursor: null });
    const verifies = await t.app.inject({ method: 'GET', url: '/backups?kind=verify' });
    expect(verifies.json()).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a query whose percent-encoding is not UTF-8 instead of filtering on its raw text', async () => {
    for (const query of ['folder=%ED%A0%80', 'folder=caf%E9', 'kind=backup&folder=%FF']) {
      const response = await t.app.inject({ method: 'GET', url: `/backups?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json(), query).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_URL',
        message:
          'The query string is not valid percent-encoded UTF-8: percent-encode each byte of the UTF-8 text',
      });
    }
  });

  it('refuses a bad limit, kind or cursor with 400', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'kind=copy', 'status=done']) {
      const response = await t.app.inject({ method: 'GET', url: `/backups?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().code, query).toBe('INVALID_QUERY');
    }
    const cursor = await t.app.inject({ method: 'GET', url: '/backups?cursor=garbage' });
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().code).toBe('INVALID_CURSOR');
  });
});

describe('DELETE /backups/{id}', () => {
  it('cancels a queued job, takes it off the queue, and refuses to cancel it twice', async () => {
    const job = (await post('cancel/me')).json();
    const response = await t.app.inject({ method: 'DELETE', url: `/backups/${job.id}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: job.id,
      status: 'cancelled',
      error: { code: 'CANCELLED' },
    });
    expect(response.json().finishedAt).toMatch(ISO_DATE);
    expect(await t.queue.getJob(job.id)).toBeUndefined();

    const again = await t.app.inject({ method: 'DELETE', url: `/backups/${job.id}` });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('JOB_NOT_CANCELLABLE');
  });

  it('refuses to cancel a running job with 409', async () => {
    const job = (await post('cancel/running')).json();
    await startJob(t.db, job.id, 'test:1');
    const response = await t.app.inject({ method: 'DELETE', url: `/backups/${job.id}` });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      code: 'JOB_NOT_CANCELLABLE',
    });
    expect(response.json().message).toContain('running');
  });

  it('answers 404 for an unknown job', async () => {
    const response = await t.app.inject({
      method: 'DELETE',
      url: '/backups/00000000-0000-4000-8000-000000000000',
    });
    expect(response.statusCode).toBe(404);
  });
});
