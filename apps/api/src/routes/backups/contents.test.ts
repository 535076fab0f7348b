import { chmod, lutimes, mkdir, mkdtemp, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BackupJob } from '@strongbox/contract';
import { finishJob, insertJob, startJob } from '@strongbox/db';
import { checkS3 } from '@strongbox/services/testing';
import { initRepository } from '@strongbox/storage';
import { createTestBucket, s3RepositoryEnv, TEST_SCRYPT } from '@strongbox/storage/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { insertBackups } from '../../testing/snapshots.js';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
const PASSWORD = 'contents-password-3141';

/** 12 MiB: more than the chunker's largest chunk (8 MiB), so at least two chunks in the object repository. */
const BIG_SIZE = 12 * 1024 * 1024;
/** Bytes from a fixed linear congruential sequence: the same in every run, and no run of them repeats. */
function bigFile(): Buffer {
  const bytes = Buffer.alloc(BIG_SIZE);
  let x = 0x2545f491;
  for (let i = 0; i < BIG_SIZE; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    bytes.writeUInt32LE(x, i);
  }
  return bytes;
}

const QUOTED = 'café "menu".txt';
const LINK_TARGET = '../../etc/passwd';
// Halves and quarters of a second: utimes takes seconds as a double, which holds these exactly.
const T1 = new Date('2026-01-02T03:04:05.500Z');
const T2 = new Date('2026-02-03T04:05:06.250Z');

interface Kind {
  name: string;
  run: boolean;
  /** The environment of the app, and what to undo after. */
  env(): Promise<{ env: Record<string, string>; cleanup: () => Promise<unknown> }>;
}

const KINDS: Kind[] = [
  { name: 'the local tree', run: true, env: async () => ({ env: {}, cleanup: async () => undefined }) },
  {
    name: 'the object repository on file://',
    run: true,
    env: async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'strongbox-contents-'));
      return {
        env: { REPOSITORY_URL: `file://${dir}`, REPOSITORY_PASSWORD: PASSWORD },
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'the object repository on S3',
    run: s3.run,
    env: async () => {
      const bucket = await createTestBucket(s3.run ? s3.endpoint : '');
      return {
        env: s3RepositoryEnv({
          endpoint: s3.run ? s3.endpoint : '',
          bucket: bucket.name,
          prefix: 'contents',
          password: PASSWORD,
        }),
        cleanup: () => bucket.remove(),
      };
    },
  },
];

describe.each(KINDS.filter((kind) => kind.run))("a backup's contents on $name", (kind) => {
  let t: TestApp;
  let cleanup: () => Promise<unknown> = async () => undefined;
  let first: BackupJob;
  let second: BackupJob;
  let other: BackupJob;
  const big = bigFile();

  /** Plays the worker: records a backup of `folder`, runs it on the app's own repository, ends it. */
  async function realBackup(folder: string): Promise<BackupJob> {
    const { job } = await insertJob(t.db, { kind: 'backup', folder });
    await startJob(t.db, job.id, 'test:1');
    const result = await t.app.repository.backup(folder, { sourceRoot: t.config.sourceRoot, jobId: job.id });
    const ended = await finishJob(t.db, job.id, { status: 'succeeded', kind: 'backup', result });
    if (ended?.kind !== 'backup') throw new Error(`backup ${job.id} did not end`);
    return ended;
  }

  beforeAll(async () => {
    const made = await kind.env();
    cleanup = made.cleanup;
    t = await startTestApp({ env: made.env });
    if (t.config.repository.kind === 'object')
      await initRepository(t.config.repository, { scrypt: TEST_SCRYPT });
    const photos = path.join(t.config.sourceRoot, 'photos');
    await mkdir(path.join(photos, 'sub', 'deep'), { recursive: true });
    await writeFile(path.join(photos, 'a.txt'), 'alpha\n');
    await writeFile(path.join(photos, 'b.bin'), Buffer.from([0, 1, 2, 3, 255]));
    await writeFile(path.join(photos, 'big.bin'), big);
    await writeFile(path.join(photos, QUOTED), 'menu');
    await writeFile(path.join(photos, 'sub', 'c.txt'), 'charlie');
    await writeFile(path.join(photos, 'sub', 'deep', 'd.txt'), 'delta');
    await chmod(path.join(photos, 'sub', 'deep', 'd.txt'), 0o640);
    await utimes(path.join(photos, 'sub', 'deep', 'd.txt'), T1, T1);
    await chmod(path.join(photos, 'sub', 'deep'), 0o750);
    await utimes(path.join(photos, 'sub', 'deep'), T2, T2);
    await chmod(path.join(photos, 'a.txt'), 0o604);
    await utimes(path.join(photos, 'a.txt'), T2, T2);
    await chmod(path.join(photos, 'sub', 'c.txt'), 0o600);
    await utimes(path.join(photos, 'sub', 'c.txt'), T2, T2);
    await chmod(path.join(photos, 'sub'), 0o755);
    await utimes(path.join(photos, 'sub'), T1, T1);
    await symlink(LINK_TARGET, path.join(photos, 'link'));
    await lutimes(path.join(photos, 'link'), T1, T1);
    first = await realBackup('photos');
    // The second backup: a.txt changed, b.bin removed, new.txt added; the rest as it was.
    await writeFile(path.join(photos, 'a.txt'), 'alpha, changed\n');
    await unlink(path.join(photos, 'b.bin'));
    await writeFile(path.join(photos, 'new.txt'), 'new');
    second = await realBackup('photos');
    await mkdir(path.join(t.config.sourceRoot, 'music'));
    await writeFile(path.join(t.config.sourceRoot, 'music', 'song.mp3'), 'la');
    other = await realBackup('music');
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await cleanup();
  });

  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const treeUrl = (id: string, query = '') => `/backups/${id}/tree${query}`;
  const fileUrl = (id: string, filePath: string) =>
    `/backups/${id}/file?path=${encodeURIComponent(filePath)}`;

  it('lists the root sorted by name, in pages whose cursor goes on where the last stopped', async () => {
    const page1 = await get(treeUrl(first.id, '?limit=4'));
    expect(page1.statusCode).toBe(200);
    const body1 = page1.json();
    expect(body1.path).toBe('');
    expect(body1.items.map((item: { name: string }) => item.name)).toEqual([
      'a.txt',
      'b.bin',
      'big.bin',
      QUOTED,
    ]);
    expect(body1.items[0]).toEqual({
      name: 'a.txt',
      type: 'file',
      size: 6,
      mode: 0o604,
      mtime: T2.toISOString(),
      target: null,
    });
    expect(body1.items[2]).toMatchObject({ name: 'big.bin', type: 'file', size: BIG_SIZE, target: null });
    expect(typeof body1.nextCursor).toBe('string');
    const page2 = await get(treeUrl(first.id, `?limit=4&cursor=${body1.nextCursor}`));
    expect(page2.statusCode).toBe(200);
    expect(page2.json()).toEqual({
      path: '',
      items: [
        {
          name: 'link',
          type: 'symlink',
          size: 16,
          mode: 0o777,
          mtime: T1.toISOString(),
          target: LINK_TARGET,
        },
        {
          name: 'sub',
          type: 'dir',
          size: 0,
          mode: 0o755,
          mtime: T1.toISOString(),
          target: null,
        },
      ],
      nextCursor: null,
    });
  });

  it('lists a nested directory with sizes, modes and mtimes as backed up', async () => {
    const sub = await get(treeUrl(first.id, '?path=sub'));
    expect(sub.statusCode).toBe(200);
    expect(sub.json()).toEqual({
      path: 'sub',
      items: [
        {
          name: 'c.txt',
          type: 'file',
          size: 7,
          mode: 0o600,
          mtime: T2.toISOString(),
          target: null,
        },
        { name: 'deep', type: 'dir', size: 0, mode: 0o750, mtime: T2.toISOString(), target: null },
      ],
      nextCursor: null,
    });
    const deep = await get(treeUrl(first.id, '?path=sub%2Fdeep'));
    expect(deep.json()).toEqual({
      path: 'sub/deep',
      items: [{ name: 'd.txt', type: 'file', size: 5, mode: 0o640, mtime: T1.toISOString(), target: null }],
      nextCursor: null,
    });
  });

  it("streams a file's bytes with its type, its length and its name as an attachment", async () => {
    const response = await get(fileUrl(first.id, 'a.txt'));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('alpha\n');
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.headers['content-length']).toBe('6');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="a.txt"; filename*=UTF-8''a.txt`,
    );
    // The same path in the second backup is that backup's file.
    expect((await get(fileUrl(second.id, 'a.txt'))).body).toBe('alpha, changed\n');
  });

  it('streams a file of several chunks byte for byte, as application/octet-stream', async () => {
    const response = await get(fileUrl(first.id, 'big.bin'));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['content-length']).toBe(String(BIG_SIZE));
    expect(response.rawPayload.equals(big)).toBe(true);
  });

  it('names a file with a quote and non-ASCII letters safely: an ASCII fallback and RFC 5987 UTF-8', async () => {
    const response = await get(fileUrl(first.id, QUOTED));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('menu');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="caf_ _menu_.txt"; filename*=UTF-8''caf%C3%A9%20%22menu%22.txt`,
    );
    const nested = await get(fileUrl(first.id, 'sub/deep/d.txt'));
    expect([nested.statusCode, nested.body, nested.headers['content-disposition']]).toEqual([
      200,
      'delta',
      `attachment; filename="d.txt"; filename*=UTF-8''d.txt`,
    ]);
  });

  it('lists exactly the file added, the file removed and the file changed between two backups, paged', async () => {
    const all = await get(`/backups/${first.id}/diff/${second.id}`);
    expect(all.statusCode).toBe(200);
    const changes = [
      { path: 'a.txt', change: 'changed', type: 'file', size: 15, previousSize: 6 },
      { path: 'b.bin', change: 'removed', type: 'file', size: 5, previousSize: null },
      { path: 'new.txt', change: 'added', type: 'file', size: 3, previousSize: null },
    ];
    expect(all.json()).toEqual({
      folder: 'photos',
      from: first.id,
      to: second.id,
      items: changes,
      nextCursor: null,
    });
    const page1 = (await get(`/backups/${first.id}/diff/${second.id}?limit=2`)).json();
    expect(page1.items).toEqual(changes.slice(0, 2));
    const page2 = (
      await get(`/backups/${first.id}/diff/${second.id}?limit=2&cursor=${page1.nextCursor}`)
    ).json();
    expect(page2).toEqual({
      folder: 'photos',
      from: first.id,
      to: second.id,
      items: changes.slice(2),
      nextCursor: null,
    });
    // The other way round, the same paths the other way.
    expect((await get(`/backups/${second.id}/diff/${first.id}`)).json().items).toEqual([
      { path: 'a.txt', change: 'changed', type: 'file', size: 6, previousSize: 15 },
      { path: 'b.bin', change: 'added', type: 'file', size: 5, previousSize: null },
      { path: 'new.txt', change: 'removed', type: 'file', size: 3, previousSize: null },
    ]);
    expect((await get(`/backups/${first.id}/diff/${first.id}`)).json().items).toEqual([]);
  });

  it('refuses a diff with a backup of another folder with 409 DIFFERENT_FOLDERS', async () => {
    const response = await get(`/backups/${first.id}/diff/${other.id}`);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'DIFFERENT_FOLDERS',
      message: `Backup ${first.id} is of folder "photos" and backup ${other.id} of folder "music": a diff compares two snapshots of one folder`,
    });
  });

  it.each([
    ['../etc/passwd', 'The path must not have "." or ".." segments: got "../etc/passwd"'],
    ['/etc/passwd', 'The path must be relative to the snapshot, not absolute: got "/etc/passwd"'],
    [
      'sub//c.txt',
      'The path must not have empty segments (leading, trailing or double "/"): got "sub//c.txt"',
    ],
  ])('refuses the hostile path %j with 400 INVALID_PATH on both routes', async (hostile, message) => {
    for (const url of [
      treeUrl(first.id, `?path=${encodeURIComponent(hostile)}`),
      fileUrl(first.id, hostile),
    ]) {
      const response = await get(url);
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_PATH',
        message,
      });
    }
  });

  it('answers 404 NO_SUCH_PATH for a path the snapshot lacks, and never follows a symlink', async () => {
    const cases: [string, string][] = [
      [treeUrl(first.id, '?path=missing'), 'missing'],
      [fileUrl(first.id, 'sub/missing.txt'), 'sub/missing.txt'],
      [fileUrl(first.id, 'new.txt'), 'new.txt'],
      [fileUrl(first.id, 'link/passwd'), 'link/passwd'],
      [treeUrl(first.id, '?path=link%2Fx'), 'link/x'],
      [fileUrl(first.id, 'a.txt/x'), 'a.txt/x'],
    ];
    for (const [url, missing] of cases) {
      const response = await get(url);
      expect({ url, status: response.statusCode, body: response.json() }).toEqual({
        url,
        status: 404,
        body: {
          statusCode: 404,
          error: 'Not Found',
          code: 'NO_SUCH_PATH',
          message: `No such path in snapshot ${first.result?.snapshot}: ${missing}`,
        },
      });
    }
  });

  it('answers 422 NOT_A_FILE for a directory or a symlink, and 422 NOT_A_DIRECTORY for listing a file', async () => {
    const snapshot = first.result?.snapshot;
    const answers = await Promise.all([
      get(fileUrl(first.id, 'sub')),
      get(fileUrl(first.id, 'link')),
      get(treeUrl(first.id, '?path=a.txt')),
    ]);
    expect(
      answers.map((response) => [response.statusCode, response.json().code, response.json().message]),
    ).toEqual([
      [422, 'NOT_A_FILE', `Not a file in snapshot ${snapshot}: sub is a directory`],
      [422, 'NOT_A_FILE', `Not a file in snapshot ${snapshot}: link is a symbolic link`],
      [422, 'NOT_A_DIRECTORY', `Not a directory in snapshot ${snapshot}: a.txt`],
    ]);
  });

  it('answers a backup without a snapshot as verify and restore do: 404 for no job, 409 SNAPSHOT_UNAVAILABLE', async () => {
    await insertBackups(t.db, [
      {
        id: '00000000-0000-4000-8000-00000000c001',
        folder: 'photos',
        status: 'failed',
        finishedAt: '2026-01-01T00:00:00.000Z',
      },
      {
        id: '00000000-0000-4000-8000-00000000c002',
        folder: 'photos',
        status: 'succeeded',
        finishedAt: '2026-01-01T00:00:00.000Z',
        snapshot: 'photos/old',
        prunedAt: '2026-01-02T00:00:00.000Z',
      },
    ]);
    const failed = await get(treeUrl('00000000-0000-4000-8000-00000000c001'));
    expect([failed.statusCode, failed.json().code, failed.json().message]).toEqual([
      409,
      'SNAPSHOT_UNAVAILABLE',
      'Backup 00000000-0000-4000-8000-00000000c001 is failed: only a backup that succeeded has a snapshot',
    ]);
    const pruned = await get(fileUrl('00000000-0000-4000-8000-00000000c002', 'a.txt'));
    expect([pruned.statusCode, pruned.json().code, pruned.json().message]).toEqual([
      409,
      'SNAPSHOT_UNAVAILABLE',
      'The snapshot of backup 00000000-0000-4000-8000-00000000c002 was deleted by retention at 2026-01-02T00:00:00.000Z: pick a newer backup',
    ]);
    const diff = await get(`/backups/${first.id}/diff/00000000-0000-4000-8000-00000000c002`);
    expect([diff.statusCode, diff.json().code]).toEqual([409, 'SNAPSHOT_UNAVAILABLE']);
    const none = await get(treeUrl('00000000-0000-4000-8000-0000000c0ffe'));
    expect([none.statusCode, none.json().code]).toEqual([404, 'NOT_FOUND']);
  });

  it('refuses a cursor it did not give out, and an unknown parameter', async () => {
    const bogus = await get(treeUrl(first.id, '?cursor=bogus'));
    expect([bogus.statusCode, bogus.json().code]).toEqual([400, 'INVALID_CURSOR']);
    const diffBogus = await get(`/backups/${first.id}/diff/${second.id}?cursor=bogus`);
    expect([diffBogus.statusCode, diffBogus.json().code]).toEqual([400, 'INVALID_CURSOR']);
    const unknown = await get(`${fileUrl(first.id, 'a.txt')}&download=1`);
    expect([unknown.statusCode, unknown.json().code]).toEqual([400, 'UNKNOWN_PARAMETER']);
  });
});

describe("a backup's contents behind API_TOKENS", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ apiTokens: 'contents-token' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 401 without the token on the three routes, and reads the snapshot with it', async () => {
    await mkdir(path.join(t.config.sourceRoot, 'docs'));
    await writeFile(path.join(t.config.sourceRoot, 'docs', 'a.txt'), 'alpha');
    const { job } = await insertJob(t.db, { kind: 'backup', folder: 'docs' });
    await startJob(t.db, job.id, 'test:1');
    const result = await t.app.repository.backup('docs', { sourceRoot: t.config.sourceRoot, jobId: job.id });
    await finishJob(t.db, job.id, { status: 'succeeded', kind: 'backup', result });
    const urls = [
      `/backups/${job.id}/tree`,
      `/backups/${job.id}/file?path=a.txt`,
      `/backups/${job.id}/diff/${job.id}`,
    ];
    for (const url of urls) {
      const refused = await t.app.inject({ method: 'GET', url });
      expect([url, refused.statusCode, refused.json().code]).toEqual([url, 401, 'UNAUTHORIZED']);
      const answered = await t.app.inject({
        method: 'GET',
        url,
        headers: { authorization: 'Bearer contents-token' },
      });
      expect([url, answered.statusCode]).toEqual([url, 200]);
    }
  });
});
