import { finishJob, startJob } from '@strongbox/db';
import { describe, expect, it } from 'vitest';
import { ISO_DATE, type TestApp, useTestApps } from '../../testing/test-app.js';

const PASSWORD = 'check-route-password-4471';

describe('POST /repository/check', () => {
  const { app, directory } = useTestApps();

  async function objectApp(): Promise<TestApp> {
    const dir = await directory('strongbox-check-route-');
    return app({ REPOSITORY_URL: `file://${dir}/repo`, REPOSITORY_PASSWORD: PASSWORD });
  }

  it('answers 409 NOT_OBJECT_REPOSITORY on the local tree, and records no job', async () => {
    const t = await app();
    const response = await t.app.inject({ method: 'POST', url: '/repository/check?readData=true' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'NOT_OBJECT_REPOSITORY',
      message:
        'This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): it has no object repository to check',
    });
    expect((await t.app.inject({ method: 'GET', url: '/backups' })).json()).toMatchObject({ items: [] });
  });

  it.each([
    ['', 'none'],
    ['?readData=false', 'none'],
    ['?readData=true', 'all'],
    ['?readDataSubset=10', 10],
    ['?readDataSubset=100', 100],
  ])(
    'POST /repository/check%s answers 202 with a queued check job on the whole repository',
    async (query, readData) => {
      const t = await objectApp();
      const response = await t.app.inject({ method: 'POST', url: `/repository/check${query}` });
      expect(response.statusCode).toBe(202);
      const job = response.json();
      expect(response.headers.location).toBe(`/backups/${job.id}`);
      expect(job).toEqual({
        id: job.id,
        kind: 'check',
        folder: '',
        scheduleId: null,
        status: 'queued',
        attempts: 0,
        worker: null,
        createdAt: expect.stringMatching(ISO_DATE),
        startedAt: null,
        finishedAt: null,
        progress: { filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null },
        result: null,
        error: null,
        params: { readData },
        prunedAt: null,
      });
      const queued = await t.queue.getJob(job.id);
      expect(queued?.name).toBe('check');
      expect(queued?.data).toEqual({ id: job.id, folder: '' });
    },
  );

  it.each([
    ['readDataSubset=0', 'querystring.readDataSubset: readDataSubset is a percentage from 1 to 100'],
    ['readDataSubset=101', 'querystring.readDataSubset: readDataSubset is a percentage from 1 to 100'],
    ['readDataSubset=2.5', 'querystring.readDataSubset: readDataSubset is a whole percentage'],
    [
      'readData=true&readDataSubset=5',
      'querystring.readDataSubset: readData=true reads every pack: give readDataSubset alone, or neither',
    ],
  ])('refuses ?%s with 400 INVALID_QUERY, recording nothing', async (query, message) => {
    const t = await objectApp();
    const response = await t.app.inject({ method: 'POST', url: `/repository/check?${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'INVALID_QUERY',
      message,
    });
    expect((await t.app.inject({ method: 'GET', url: '/backups' })).json()).toMatchObject({ items: [] });
  });

  it('refuses ?readData=yes with 400 INVALID_QUERY and an unknown parameter with 400 UNKNOWN_PARAMETER', async () => {
    const t = await objectApp();
    const yes = await t.app.inject({ method: 'POST', url: '/repository/check?readData=yes' });
    expect(yes.statusCode).toBe(400);
    expect(yes.json()).toMatchObject({ code: 'INVALID_QUERY' });
    const unknown = await t.app.inject({ method: 'POST', url: '/repository/check?readdata=true' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'UNKNOWN_PARAMETER' });
  });

  it('shows a check that found damage as failed, REPOSITORY_DAMAGED, with its findings in the result', async () => {
    const t = await objectApp();
    const created = (await t.app.inject({ method: 'POST', url: '/repository/check' })).json();
    await startJob(t.db, created.id, 'test:1');
    const result = {
      ok: false,
      readData: 'none' as const,
      snapshots: 1,
      packs: 1,
      referencedBlobs: 2,
      packsRead: 0,
      bytesRead: 0,
      orphans: { packs: 0, bytes: 0 },
      findings: [
        {
          code: 'PACK_MISSING' as const,
          damage: true,
          message: 'pack data/ab/ab… is in the catalog (1 blobs placed in it) but not in the repository',
          pack: `data/ab/${'ab'.repeat(32)}`,
          blob: null,
          snapshots: ['5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69'],
        },
      ],
      findingsTotal: 1,
      durationMs: 12,
    };
    await finishJob(t.db, created.id, {
      status: 'failed',
      error: { code: 'REPOSITORY_DAMAGED', message: 'The check found damage (1 PACK_MISSING)' },
      result,
    });
    const shown = await t.app.inject({ method: 'GET', url: `/backups/${created.id}` });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({
      kind: 'check',
      folder: '',
      status: 'failed',
      error: { code: 'REPOSITORY_DAMAGED', message: 'The check found damage (1 PACK_MISSING)' },
      result,
    });
    const logs = await t.app.inject({ method: 'GET', url: '/logs' });
    expect(logs.json().items).toEqual([
      expect.objectContaining({
        action: 'Check',
        parameter: '',
        status: 'FAILED',
        jobId: created.id,
        message: 'REPOSITORY_DAMAGED: The check found damage (1 PACK_MISSING)',
      }),
    ]);
  });
});
