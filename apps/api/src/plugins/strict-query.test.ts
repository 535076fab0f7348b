import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJobs } from '../testing/jobs.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

let t: TestApp;
// Every route with a schema, as the app registered it (the dashboard's and Swagger UI's are hidden).
const routes: { method: string; url: string }[] = [];

beforeAll(async () => {
  t = await startTestApp();
  const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) {
      routes.push({ method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, 'x') });
    }
  }
});

afterAll(async () => {
  await t?.close();
});

describe('unknown query parameters', () => {
  it('refuses GET /backups?state=failed with 400 UNKNOWN_PARAMETER naming it and the accepted ones', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/backups?state=failed' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'UNKNOWN_PARAMETER',
      message: 'Unknown query parameter "state": GET /backups takes kind, status, folder, limit, cursor',
    });
  });

  it('names every unknown parameter, and says so when a route takes none', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/stats?since=2026-01-01&verbose' });
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'UNKNOWN_PARAMETER',
      message: 'Unknown query parameters "since", "verbose": GET /stats takes no query parameters',
    });
  });

  it('refuses a misspelt ?wait on POST /backups before anything is queued', async () => {
    const jobs = await countJobs(t.db);
    const response = await t.app.inject({
      method: 'POST',
      url: '/backups?wiat=10',
      payload: { folder: 'strict/wait' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('Unknown query parameter "wiat": POST /backups takes wait');
    expect(await countJobs(t.db)).toBe(jobs);
  });

  it('refuses an unknown parameter on every route of the OpenAPI document', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const answered: string[] = [];
    for (const { method, url } of routes) {
      const response = await t.app.inject({ method, url: `${url}?surely_unknown=1` });
      answered.push(`${method} ${url} ${response.statusCode} ${response.json().code}`);
    }
    expect(answered).toEqual(routes.map(({ method, url }) => `${method} ${url} 400 UNKNOWN_PARAMETER`));
  });

  it('answers a GET that would start a backup with 405, whatever its query says', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/backup?path_to_folder=x&surely_unknown=1' });
    expect(response.statusCode).toBe(405);
    expect(response.json().code).toBe('METHOD_NOT_ALLOWED');
  });
});
