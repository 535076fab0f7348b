import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idOf, insertBackups } from '../../testing/snapshots.js';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  // photos/2024: three snapshots written out of time order, and backups that are not snapshots;
  // beside them, folders whose names start the same.
  await insertBackups(t.db, [
    {
      id: idOf(1),
      folder: 'photos/2024',
      status: 'succeeded',
      finishedAt: '2026-11-20T10:00:00.000Z',
      snapshot: 'photos/2024/a',
      files: 3,
      bytes: 300,
    },
    {
      id: idOf(2),
      folder: 'photos/2024',
      status: 'succeeded',
      finishedAt: '2026-11-22T10:00:00.000Z',
      snapshot: 'photos/2024/c',
      files: 5,
      bytes: 500,
    },
    {
      id: idOf(3),
      folder: 'photos/2024',
      status: 'succeeded',
      finishedAt: '2026-11-21T10:00:00.000Z',
      snapshot: 'photos/2024/b',
      files: 4,
      bytes: 400,
    },
    { id: idOf(4), folder: 'photos/2024', status: 'failed', finishedAt: '2026-11-23T10:00:00.000Z' },
    {
      id: idOf(5),
      folder: 'photos/2024',
      status: 'succeeded',
      finishedAt: '2026-11-19T10:00:00.000Z',
      snapshot: 'photos/2024/pruned',
      files: 2,
      bytes: 200,
      prunedAt: '2026-11-22T10:00:01.000Z',
    },
    { id: idOf(6), folder: 'photos/2024', status: 'queued' },
    {
      id: idOf(7),
      folder: 'photos',
      status: 'succeeded',
      finishedAt: '2026-11-24T10:00:00.000Z',
      snapshot: 'photos/x',
      files: 1,
      bytes: 1,
    },
    {
      id: idOf(8),
      folder: 'photos/2024/sub',
      status: 'succeeded',
      finishedAt: '2026-11-24T10:00:00.000Z',
      snapshot: 'photos/2024/sub/x',
      files: 1,
      bytes: 1,
    },
  ]);
});

afterAll(async () => {
  await t?.close();
});

const PHOTOS = [
  {
    backupId: idOf(2),
    snapshot: 'photos/2024/c',
    finishedAt: '2026-11-22T10:00:00.000Z',
    files: 5,
    bytes: 500,
  },
  {
    backupId: idOf(3),
    snapshot: 'photos/2024/b',
    finishedAt: '2026-11-21T10:00:00.000Z',
    files: 4,
    bytes: 400,
  },
  {
    backupId: idOf(1),
    snapshot: 'photos/2024/a',
    finishedAt: '2026-11-20T10:00:00.000Z',
    files: 3,
    bytes: 300,
  },
];

async function get(url: string) {
  return t.app.inject({ method: 'GET', url });
}

describe('GET /folders/{folder}/snapshots', () => {
  it('lists the snapshots of the folder newest first: succeeded, not pruned, not another folder’s', async () => {
    const response = await get('/folders/photos%2F2024/snapshots');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ items: PHOTOS, nextCursor: null });
  });

  it('pages with limit and the cursor it gave, to the end', async () => {
    const first = await get('/folders/photos%2F2024/snapshots?limit=2');
    expect(first.statusCode).toBe(200);
    expect(first.json().items).toEqual(PHOTOS.slice(0, 2));
    const cursor = first.json().nextCursor;
    expect(typeof cursor).toBe('string');
    const second = await get(`/folders/photos%2F2024/snapshots?limit=2&cursor=${cursor}`);
    expect(second.json()).toEqual({ items: PHOTOS.slice(2), nextCursor: null });
  });

  it('orders snapshots that finished in the same millisecond by job, newest first, across pages', async () => {
    await insertBackups(
      t.db,
      [11, 12, 13].map((n) => ({
        id: idOf(n),
        folder: 'same/time',
        status: 'succeeded' as const,
        finishedAt: '2026-11-22T10:00:00.000Z',
        snapshot: `same/time/${n}`,
      })),
    );
    const first = await get('/folders/same%2Ftime/snapshots?limit=2');
    const second = await get(`/folders/same%2Ftime/snapshots?limit=2&cursor=${first.json().nextCursor}`);
    const ids = [...first.json().items, ...second.json().items].map((item) => item.backupId);
    expect(ids).toEqual([idOf(13), idOf(12), idOf(11)]);
    expect(second.json().nextCursor).toBeNull();
  });

  it('answers 200 with an empty list for a valid folder that has no snapshot', async () => {
    for (const folder of ['never%2Fbacked%2Fup', 'photos%2F2024%2Fsu']) {
      const response = await get(`/folders/${folder}/snapshots`);
      expect(response.statusCode, folder).toBe(200);
      expect(response.json(), folder).toEqual({ items: [], nextCursor: null });
    }
  });

  it('takes a folder longer than a job id (150 characters)', async () => {
    const folder = `long/${'f'.repeat(145)}`;
    await insertBackups(t.db, [
      {
        id: idOf(20),
        folder,
        status: 'succeeded',
        finishedAt: '2026-11-22T10:00:00.000Z',
        snapshot: `${folder}/s`,
        files: 7,
        bytes: 70,
      },
    ]);
    const response = await get(`/folders/${encodeURIComponent(folder)}/snapshots`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [
        {
          backupId: idOf(20),
          snapshot: `${folder}/s`,
          finishedAt: '2026-11-22T10:00:00.000Z',
          files: 7,
          bytes: 70,
        },
      ],
      nextCursor: null,
    });
  });

  it('refuses a folder that breaks the folder rule with 400 INVALID_FOLDER, however long it is', async () => {
    const cases = [
      ['', 'The folder must not be empty: got ""'],
      ['..%2Fetc', 'The folder must not have "." or ".." segments: got "../etc"'],
      ['%2Fetc', 'The folder must be relative to the source root, not absolute: got "/etc"'],
      ['a%2F%2Fb', 'The folder must not have empty segments (leading, trailing or double "/"): got "a//b"'],
      [
        encodeURIComponent('é'.repeat(501)),
        `The folder must be at most 1000 bytes long: got "${'é'.repeat(100)}"… (501 characters)`,
      ],
      // Longer than the router takes a route parameter: the same rule answers.
      [
        'x'.repeat(1001),
        `The folder must be at most 1000 bytes long: got "${'x'.repeat(100)}"… (1001 characters)`,
      ],
    ];
    for (const [folder, message] of cases) {
      for (const url of [`/folders/${folder}/snapshots`, `/folders/${folder}/snapshots/latest`]) {
        const response = await get(url);
        expect(response.statusCode, url).toBe(400);
        expect(response.json(), url).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          code: 'INVALID_FOLDER',
          message,
        });
      }
    }
  });

  it('refuses an unknown query parameter with 400 UNKNOWN_PARAMETER naming the ones it takes', async () => {
    const response = await get('/folders/photos%2F2024/snapshots?status=succeeded');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'UNKNOWN_PARAMETER',
      message: 'Unknown query parameter "status": GET /folders/{folder}/snapshots takes limit, cursor',
    });
  });

  it('refuses a cursor it did not give with 400 INVALID_CURSOR, and a limit over 1000 with 400 INVALID_QUERY', async () => {
    const cursor = await get('/folders/photos%2F2024/snapshots?cursor=bm90LW91cnM');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().code).toBe('INVALID_CURSOR');
    const limit = await get('/folders/photos%2F2024/snapshots?limit=1001');
    expect(limit.statusCode).toBe(400);
    expect(limit.json().code).toBe('INVALID_QUERY');
  });
});

describe('GET /folders/{folder}/snapshots/latest', () => {
  it('answers the newest snapshot of the folder', async () => {
    const response = await get('/folders/photos%2F2024/snapshots/latest');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(PHOTOS[0]);
  });

  it('answers 404 NOT_FOUND for a folder that has no snapshot, pruned ones not counted', async () => {
    await insertBackups(t.db, [
      {
        id: idOf(30),
        folder: 'all/pruned',
        status: 'succeeded',
        finishedAt: '2026-11-20T10:00:00.000Z',
        snapshot: 'all/pruned/a',
        prunedAt: '2026-11-21T10:00:00.000Z',
      },
      { id: idOf(31), folder: 'all/pruned', status: 'failed', finishedAt: '2026-11-22T10:00:00.000Z' },
    ]);
    const response = await get('/folders/all%2Fpruned/snapshots/latest');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message:
        'Folder "all/pruned" has no snapshot: none of its backups succeeded, or retention deleted every snapshot; back it up first (POST /backups)',
    });
  });
});
