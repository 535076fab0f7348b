import { finishJob, insertJob, startJob } from '@strongbox/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { succeededBackup } from '../../testing/jobs.js';
import { ISO_DATE, startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

async function job(folder: string, end?: 'succeeded' | 'failed' | 'running' | 'cancelled'): Promise<string> {
  if (end === 'succeeded') return (await succeededBackup(t.db, folder, 3, 300)).id;
  const { job } = await insertJob(t.db, { kind: 'backup', folder });
  if (end === 'cancelled') {
    await finishJob(t.db, job.id, {
      status: 'cancelled',
      error: { code: 'CANCELLED', message: 'cancelled' },
    });
    return job.id;
  }
  if (end) await startJob(t.db, job.id, 'test:1');
  if (end === 'failed') {
    await finishJob(t.db, job.id, { status: 'failed', error: { code: 'NO_SUCH_DIRECTORY', message: 'x' } });
  }
  return job.id;
}

describe('GET /stats', () => {
  it('answers zeros on an empty database', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/stats' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      backups: { total: 0, succeeded: 0, failed: 0, queued: 0, running: 0, cancelled: 0 },
      bytesCopied: 0,
      filesCopied: 0,
      lastSuccessAt: null,
    });
  });

  it('counts backups by how they ended, and records a Get Stats row after the query', async () => {
    await job('s/ok1', 'succeeded');
    await job('s/ok2', 'succeeded');
    await job('s/bad', 'failed');
    await job('s/run', 'running');
    await job('s/queued');
    await job('s/cancelled', 'cancelled');
    const response = await t.app.inject({ method: 'GET', url: '/stat' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.backups).toEqual({ total: 6, succeeded: 2, failed: 1, queued: 1, running: 1, cancelled: 1 });
    expect(body.filesCopied).toBe(6);
    expect(body.bytesCopied).toBe(600);
    expect(body.lastSuccessAt).toMatch(ISO_DATE);

    await t.app.audit.flush();
    const [rows] = await t.db.query("SELECT parameter, status FROM log WHERE action = 'Get Stats'");
    expect(rows).toEqual([
      { parameter: null, status: 'SUCCESS' },
      { parameter: null, status: 'SUCCESS' },
    ]);
  });
});
