import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '@strongbox/engine/object';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3Store } from './s3-store.js';
import { InvalidRepositoryUrlError, storeFromUrl } from './store-from-url.js';

describe('storeFromUrl', () => {
  let root: string;
  const opened: { close(): unknown }[] = [];
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strongbox-store-url-'));
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(root, { recursive: true, force: true });
  });

  it('opens file:///absolute/path as a file store on that directory', async () => {
    const store = await storeFromUrl(`file://${root}`);
    opened.push(store);
    expect(store).toBeInstanceOf(FileStore);
    await store.put('config', Buffer.from('{}'));
    expect(await readFile(join(root, 'config'), 'utf8')).toBe('{}');
  });

  it('opens s3://bucket/prefix as an S3 store on that bucket and prefix, with the settings given', async () => {
    const store = await storeFromUrl('s3://backups/repo/main', {
      endpoint: 'http://127.0.0.1:9',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    opened.push(store);
    expect(store).toBeInstanceOf(S3Store);
    expect((store as S3Store).bucket).toBe('backups');
    expect((store as S3Store).prefix).toBe('repo/main/');
    expect(String(store)).toBe('s3://backups/repo/main at http://127.0.0.1:9');
    const bare = await storeFromUrl('s3://backups');
    opened.push(bare);
    expect((bare as S3Store).prefix).toBe('');
  });

  it.each([
    ['http://example.com/repo', 'the scheme http: is not one of file: and s3:'],
    ['/srv/repo', 'it is not a URL'],
    ['file://host/srv/repo', 'a file URL names no host'],
    ['s3://backups:9000/repo', 'an s3 URL has no port: set the endpoint'],
    ['s3://backups/repo?region=x', 'it must not have a query, a fragment or credentials'],
    ['s3://key:secret@backups/repo', 'it must not have a query, a fragment or credentials'],
    ['s3://Bad_Bucket/repo', 'Invalid bucket name "Bad_Bucket"'],
    ['s3://backups/my%20repo', 'Invalid object name "my repo"'],
  ])('refuses %s', async (url, reason) => {
    const refusal = storeFromUrl(url);
    await expect(refusal).rejects.toBeInstanceOf(InvalidRepositoryUrlError);
    await expect(refusal).rejects.toThrow(reason);
    await expect(refusal).rejects.toThrow('use file:///absolute/path or s3://bucket/prefix');
  });
});
