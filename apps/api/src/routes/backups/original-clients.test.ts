import { finishJob } from '@strongbox/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJobs, endWhenRecorded } from '../../testing/jobs.js';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

// Plays the worker: fails the job recorded for the folder with `code`.
const failWhenRecorded = (folder: string, code: string, message: string) =>
  endWhenRecorded(t.db, folder, (job) =>
    finishJob(t.db, job.id, { status: 'failed', error: { code, message } }),
  );

describe("the original design's clients", () => {
  it('POST /backup with the form body path_to_folder=NAME starts a backup of NAME, as POST /backups does', async () => {
    // curl -X POST http://host/backup -d 'path_to_folder=photos/2024'
    const response = await t.app.inject({
      method: 'POST',
      url: '/backup',
      headers: FORM,
      payload: 'path_to_folder=photos/2024',
    });
    expect(response.statusCode).toBe(202);
    const job = response.json();
    expect(job).toMatchObject({ kind: 'backup', folder: 'photos/2024', status: 'queued' });
    expect(response.headers.location).toBe(`/backups/${job.id}`);
    expect((await t.queue.getJob(job.id))?.data).toEqual({ id: job.id, folder: 'photos/2024' });
  });

  it('POST / with {"path": NAME} starts a backup of NAME, and a second one answers the same queued job', async () => {
    // curl -X POST http://host/ -H 'Content-Type: application/json' -d '{"path": "music"}'
    const first = await t.app.inject({ method: 'POST', url: '/', payload: { path: 'music' } });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ kind: 'backup', folder: 'music', status: 'queued' });
    expect(first.headers.location).toBe(`/backups/${first.json().id}`);
    const second = await t.app.inject({ method: 'POST', url: '/backups', payload: { folder: 'music' } });
    expect(second.json().id).toBe(first.json().id);
  });

  it('answers with ?wait as POST /backups does: 404 with the job for a missing folder', async () => {
    const viaRoot = t.app.inject({ method: 'POST', url: '/?wait=60', payload: { path: 'wait/root' } });
    await failWhenRecorded('wait/root', 'NO_SUCH_DIRECTORY', 'No such directory: wait/root');
    const root = await viaRoot;
    expect(root.statusCode).toBe(404);
    expect(root.json()).toMatchObject({
      folder: 'wait/root',
      status: 'failed',
      error: { code: 'NO_SUCH_DIRECTORY' },
    });

    const viaForm = t.app.inject({
      method: 'POST',
      url: '/backup?wait=60',
      headers: FORM,
      payload: 'path_to_folder=wait%2Fform',
    });
    await failWhenRecorded('wait/form', 'NOT_A_DIRECTORY', 'Not a directory: wait/form');
    const form = await viaForm;
    expect(form.statusCode).toBe(422);
    expect(form.json()).toMatchObject({
      folder: 'wait/form',
      status: 'failed',
      error: { code: 'NOT_A_DIRECTORY' },
    });
  });

  it('refuses a bad folder in either form with 400 INVALID_FOLDER, creating nothing', async () => {
    const jobs = await countJobs(t.db);
    const form = await t.app.inject({
      method: 'POST',
      url: '/backup',
      headers: FORM,
      payload: 'path_to_folder=..%2Fetc',
    });
    const root = await t.app.inject({ method: 'POST', url: '/', payload: { path: '../etc' } });
    for (const response of [form, root]) {
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_FOLDER',
        message: 'The folder must not have "." or ".." segments: got "../etc"',
      });
    }
    expect(await countJobs(t.db)).toBe(jobs);
  });

  it('refuses a form whose encoding is not UTF-8, and a name given twice, instead of backing up another folder', async () => {
    const jobs = await countJobs(t.db);
    for (const payload of ['path_to_folder=caf%E9', 'path_to_folder=bad%ED%A0%80name']) {
      const response = await t.app.inject({ method: 'POST', url: '/backup', headers: FORM, payload });
      expect(response.statusCode, payload).toBe(400);
      expect(response.json(), payload).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_FORM',
        message:
          'The form body is not valid percent-encoded UTF-8: percent-encode each byte of the UTF-8 text ' +
          '(curl --data-urlencode path_to_folder=NAME does)',
      });
    }
    const raw = await t.app.inject({
      method: 'POST',
      url: '/backup',
      headers: FORM,
      payload: Buffer.concat([Buffer.from('path_to_folder=caf'), Buffer.from([0xe9])]),
    });
    expect(raw.json().code).toBe('INVALID_FORM');
    const twice = await t.app.inject({
      method: 'POST',
      url: '/backup',
      headers: FORM,
      payload: 'path_to_folder=a&path_to_folder=b',
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().code).toBe('VALIDATION');
    expect(await countJobs(t.db)).toBe(jobs);
  });

  it('keeps form bodies to POST /backup: POST /backups still refuses one with 415', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/backups',
      headers: FORM,
      payload: 'folder=photos',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('tells a client that sends {"path": …} to POST /backups to use "folder"', async () => {
    const jobs = await countJobs(t.db);
    const response = await t.app.inject({ method: 'POST', url: '/backups', payload: { path: 'photos' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'VALIDATION',
      message:
        'POST /backups takes the folder as "folder", not "path": send {"folder": "photos/2024"} ' +
        '(POST / takes {"path": …}, as the original design did)',
    });
    expect(await countJobs(t.db)).toBe(jobs);
  });

  describe('a GET that would start a backup answers 405 pointing at the POST, and creates no job', () => {
    it.each([
      ['/backup/photos', 'send POST to this URL (curl -X POST), or POST /backups with {"folder": …}'],
      [
        '/backup?path_to_folder=photos',
        'send POST /backup with the form body path_to_folder=NAME (curl -d path_to_folder=NAME), or POST /backups with {"folder": …}',
      ],
      [
        '/?path=photos',
        'send POST / with {"path": …}, or POST /backups with {"folder": …}; the API is described at /docs',
      ],
    ])('GET %s', async (url, instead) => {
      const jobs = await countJobs(t.db);
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('POST');
      expect(response.json()).toEqual({
        statusCode: 405,
        error: 'Method Not Allowed',
        code: 'METHOD_NOT_ALLOWED',
        message: `GET never starts a backup: ${instead}`,
      });
      expect(await countJobs(t.db)).toBe(jobs);
    });
  });
});
