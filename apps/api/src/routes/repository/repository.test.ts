import { randomUUID } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileStore, ObjectRepository } from '@strongbox/engine/object';
import { initRepository } from '@strongbox/storage';
import { TEST_SCRYPT } from '@strongbox/storage/testing';
import { describe, expect, it } from 'vitest';
import { useTestApps } from '../../testing/test-app.js';

const PASSWORD = 'rebuild-route-password-5517';

const { app, directory, afterTest } = useTestApps();

describe('POST /repository/rebuild', () => {
  it('answers 409 NOT_OBJECT_REPOSITORY on the local tree, and records nothing', async () => {
    const t = await app();
    const response = await t.app.inject({ method: 'POST', url: '/repository/rebuild' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'NOT_OBJECT_REPOSITORY',
      message:
        'This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): it has no catalog to rebuild',
    });
    const jobs = await t.app.inject({ method: 'GET', url: '/backups' });
    expect(jobs.json()).toMatchObject({ items: [] });
  });

  it('answers 503 REPOSITORY_NOT_FOUND where no repository was created, and writes nothing there', async () => {
    const dir = await directory('strongbox-rebuild-route-');
    const t = await app({ REPOSITORY_URL: `file://${dir}`, REPOSITORY_PASSWORD: PASSWORD });
    const response = await t.app.inject({ method: 'POST', url: '/repository/rebuild' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ statusCode: 503, code: 'REPOSITORY_NOT_FOUND' });
    expect(await readdir(dir)).toEqual([]);
  });

  it("lists the repository's snapshots as succeeded backup jobs per folder, and adds nothing the second time", async () => {
    const dir = await directory('strongbox-rebuild-route-');
    const t = await app({ REPOSITORY_URL: `file://${dir}/repo`, REPOSITORY_PASSWORD: PASSWORD });
    if (t.config.repository.kind !== 'object') throw new Error('not an object repository');
    await initRepository(t.config.repository, { scrypt: TEST_SCRYPT });

    // Snapshots made by another stack, whose database this one never saw.
    const store = await FileStore.open(path.join(dir, 'repo'));
    afterTest(() => store.close());
    const elsewhere = new ObjectRepository(store, { password: PASSWORD });
    const sourceRoot = t.config.sourceRoot;
    const backUp = async (folder: string, file: string, content: string, day: number) => {
      await mkdir(path.join(sourceRoot, folder), { recursive: true });
      await writeFile(path.join(sourceRoot, folder, file), content);
      const jobId = randomUUID();
      await elsewhere.backup(folder, { sourceRoot, jobId, now: new Date(Date.UTC(2026, 10, day)) });
      return jobId;
    };
    const first = await backUp('docs', 'a.txt', 'alpha', 1);
    const second = await backUp('docs', 'b.txt', 'beta', 2);
    const other = await backUp('other', 'c.txt', 'gamma', 3);

    const rebuilt = await t.app.inject({ method: 'POST', url: '/repository/rebuild' });
    expect(rebuilt.statusCode).toBe(200);
    // Each backup stored one new file's chunk and one root tree, each in a pack of its own.
    expect(rebuilt.json()).toEqual({ snapshots: 3, added: 3, packs: 6, blobs: 6 });

    const listed = async (folder: string) => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/backups?kind=backup&status=succeeded&folder=${folder}`,
      });
      expect(response.statusCode).toBe(200);
      return (response.json() as { items: { id: string; folder: string; status: string }[] }).items;
    };
    expect((await listed('docs')).map(({ id, folder, status }) => ({ id, folder, status }))).toEqual([
      { id: second, folder: 'docs', status: 'succeeded' },
      { id: first, folder: 'docs', status: 'succeeded' },
    ]);
    expect((await listed('other')).map(({ id }) => id)).toEqual([other]);

    const again = await t.app.inject({ method: 'POST', url: '/repository/rebuild' });
    expect(again.json()).toEqual({ snapshots: 3, added: 0, packs: 0, blobs: 0 });
    expect((await listed('docs')).map(({ id }) => id)).toEqual([second, first]);
  });
});

describe('POST /repository/prune', () => {
  it('answers 409 NOT_OBJECT_REPOSITORY on the local tree, and records no job', async () => {
    const t = await app();
    const response = await t.app.inject({ method: 'POST', url: '/repository/prune' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'NOT_OBJECT_REPOSITORY',
      message:
        'This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): there is nothing to prune',
    });
    expect((await t.app.inject({ method: 'GET', url: '/backups' })).json()).toMatchObject({ items: [] });
  });

  it('answers 202 with a queued prune job of the whole repository, and the same job to a second request while it is queued', async () => {
    const dir = await directory('strongbox-prune-route-');
    const t = await app({ REPOSITORY_URL: `file://${dir}/repo`, REPOSITORY_PASSWORD: 'prune-route-2231' });

    const first = await t.app.inject({ method: 'POST', url: '/repository/prune' });
    expect(first.statusCode).toBe(202);
    const job = first.json();
    expect(job).toMatchObject({
      kind: 'prune',
      folder: '',
      scheduleId: null,
      status: 'queued',
      attempts: 0,
      result: null,
      error: null,
      params: null,
    });
    expect(first.headers.location).toBe(`/backups/${job.id}`);

    const second = await t.app.inject({ method: 'POST', url: '/repository/prune' });
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual(job);

    const listed = await t.app.inject({ method: 'GET', url: '/backups?kind=prune' });
    expect(listed.json().items.map((item: { id: string }) => item.id)).toEqual([job.id]);
  });
});
