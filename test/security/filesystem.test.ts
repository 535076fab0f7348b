/**
 * Hostile trees under SOURCE_ROOT against the real API and worker processes, run as root as a
 * server would be: symlinks to /etc and to a canary directory beside the roots, chains, loops and
 * swaps, symlinks kept in snapshots, folders named like the engine's own files, special files and
 * names that are not UTF-8. Each case checks the exact status and code, then (afterEach) that the
 * canary is unchanged, nothing new lies beside the roots, and /health answers.
 */
import { execFileSync } from 'node:child_process';
import {
  access,
  lstat,
  lutimes,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, makeFolder, waitFor } from '../e2e/stack.js';
import { expectProblem, type HostileStack, listTree, startHostileStack } from './harness.js';

let stack: HostileStack;

beforeAll(async () => {
  stack = await startHostileStack({ env: { RATE_LIMIT_MAX: '0' } });
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(async () => {
  await stack.expectIntact();
});

const source = (relative: string) => path.join(stack.sourceRoot, relative);

// Where the API and the workers run from.
const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

/** POST /backups?wait=30: the answer once the job has ended. */
function backup(folder: string) {
  return call(stack, 'POST', '/backups?wait=30', { folder });
}

function restore(backupId: string, body: { target: string; path?: string }, wait = true) {
  return call(stack, 'POST', `/backups/${backupId}/restore${wait ? '?wait=30' : ''}`, body);
}

function verify(backupId: string) {
  return call(stack, 'POST', `/backups/${backupId}/verify?wait=30`);
}

/** Asserts that a job ended as `status`/`code` with the answer `http`, and answers its body. */
function expectJob(
  answer: Awaited<ReturnType<typeof call>>,
  http: number,
  code: string | null,
  // biome-ignore lint/suspicious/noExplicitAny: job bodies are checked by expect()
): any {
  expect(
    { http: answer.status, status: answer.body?.status, code: answer.body?.error?.code ?? null },
    stack.output().slice(-4000),
  ).toEqual({ http, status: code === null ? 'succeeded' : 'failed', code });
  return answer.body;
}

/**
 * Sets the mtime of every directory under `dir` but the snapshots (whose mtimes verify checks) an
 * hour back: staging and tombstones then look long abandoned to the sweep.
 */
async function ageAllButSnapshots(dir: string): Promise<void> {
  const past = new Date(Date.now() - 3600_000);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || /^\d{8}T\d{6}Z-[0-9a-z]+$/.test(entry.name)) continue;
    await ageAllButSnapshots(path.join(dir, entry.name));
    await lutimes(path.join(dir, entry.name), past, past);
  }
}

/** Every regular file's text under `dir`, without following links. */
async function contentsBelow(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir(dir)) {
    const full = path.join(dir, name);
    const stat = await lstat(full);
    if (stat.isDirectory()) found.push(...(await contentsBelow(full)));
    else if (stat.isFile()) found.push(await readFile(full, 'utf8'));
  }
  return found;
}

describe('a folder that is, or runs through, a symlink', () => {
  it.each([
    ['to /etc', 'to-etc', ['/etc']],
    ['to the canary', 'to-canary', ['CANARY']],
    ['to a file outside', 'to-secret', ['CANARY/secret.txt']],
    ['relative, leaving the root', 'relative-out', ['../canary']],
    ['a chain of three leading outside', 'chain1', ['chain2', 'chain3', 'CANARY']],
    ['a chain whose last link is relative', 'rchain1', ['rchain2', '../canary/dir']],
  ])('%s is refused: 422 OUTSIDE_SOURCE_ROOT, no snapshot made', async (_, folder, links) => {
    const names = [folder, ...links.slice(0, -1)];
    for (const [i, name] of names.entries()) {
      const target = (links[i] as string).replace('CANARY', stack.canary);
      await symlink(target, source(name));
    }
    const job = expectJob(await backup(folder), 422, 'OUTSIDE_SOURCE_ROOT');
    expect(job.error.message).not.toContain(stack.sourceRoot);
    expect(job.error.message).not.toContain(stack.canary);
    expect(await readdir(stack.backupFolder)).not.toContain(folder);
  });

  it('a folder below a symlink to outside is refused: 422 OUTSIDE_SOURCE_ROOT', async () => {
    await symlink(stack.canary, source('parent-link'));
    expectJob(await backup('parent-link/dir'), 422, 'OUTSIDE_SOURCE_ROOT');
  });

  it('a chain that stays inside the root is followed: 200', async () => {
    await makeFolder(stack, 'inside-real', { 'f.txt': 'inside' });
    await symlink('inside-real', source('inside2'));
    await symlink('inside2', source('inside1'));
    const job = expectJob(await backup('inside1'), 200, null);
    expect(job.result).toMatchObject({ files: 1, bytes: 6 });
  });

  it('a symlink loop is 404 NO_SUCH_DIRECTORY', async () => {
    await symlink('loop-b', source('loop-a'));
    await symlink('loop-a', source('loop-b'));
    expectJob(await backup('loop-a'), 404, 'NO_SUCH_DIRECTORY');
  });

  it('a self loop is 404 NO_SUCH_DIRECTORY', async () => {
    await symlink('self', source('self'));
    expectJob(await backup('self/x'), 404, 'NO_SUCH_DIRECTORY');
  });

  it('a FIFO as the folder is 422 NOT_A_DIRECTORY', async () => {
    execFileSync('mkfifo', [source('fifo-folder')]);
    expectJob(await backup('fifo-folder'), 422, 'NOT_A_DIRECTORY');
  });
});

describe('symlinks inside a folder', () => {
  let backupId: string;
  let snapshot: string;
  let answer: Awaited<ReturnType<typeof call>>;

  // One backup of a folder of links, which every test of this block reads or restores from.
  beforeAll(async () => {
    await makeFolder(stack, 'links', { 'own.txt': 'own' });
    await symlink('/etc/passwd', source('links/passwd'));
    await symlink('/etc', source('links/etc'));
    await symlink(stack.canary, source('links/canary'));
    await symlink('../../canary/secret.txt', source('links/relative'));
    answer = await backup('links');
    backupId = answer.body?.id;
    snapshot = path.join(stack.backupFolder, answer.body?.result?.snapshot ?? 'none');
  });

  it('are kept as links, never followed: nothing from outside is in the snapshot', async () => {
    expect(expectJob(answer, 200, null).result).toMatchObject({ files: 5, bytes: 3 });
    expect(await readlink(path.join(snapshot, 'passwd'))).toBe('/etc/passwd');
    expect(await readlink(path.join(snapshot, 'canary'))).toBe(stack.canary);
    expect(await readlink(path.join(snapshot, 'relative'))).toBe('../../canary/secret.txt');
    expect(await contentsBelow(snapshot)).toEqual(['own']);
  });

  it('are restored as links, and a restore through one of them is 422 OUTSIDE_SOURCE_ROOT', async () => {
    const restored = expectJob(await restore(backupId, { target: 'restored-links' }), 200, null);
    expect(restored.result).toMatchObject({ target: 'restored-links', files: 5 });
    expect(await readlink(source('restored-links/canary'))).toBe(stack.canary);
    const through = await restore(backupId, { target: 'restored-links/canary/new' });
    expectJob(through, 422, 'OUTSIDE_SOURCE_ROOT');
  });

  it.each([
    ['canary/secret.txt', 'a link to the canary'],
    ['canary/dir', 'a link to the canary'],
    ['etc/passwd', 'a link to /etc'],
  ])(
    'a restore path %s, through %s kept in the snapshot, is 404 NO_SUCH_PATH and restores nothing',
    async (snapshotPath) => {
      const target = `via-${snapshotPath.replaceAll('/', '-')}`;
      expectJob(await restore(backupId, { target, path: snapshotPath }), 404, 'NO_SUCH_PATH');
      expect(await readdir(stack.sourceRoot)).not.toContain(target);
    },
  );

  it('a restore path naming a link that leaves the root restores the link itself: 200', async () => {
    expectJob(await restore(backupId, { target: 'via-relative', path: 'relative' }), 200, null);
    expect(await readlink(source('via-relative'))).toBe('../../canary/secret.txt');
  });

  it('kept in a snapshot, are never followed when a nested folder’s directories are made', async () => {
    await makeFolder(stack, 'x', { 'a.txt': 'a' });
    await symlink(stack.canary, source('x/evil'));
    const x = expectJob(await backup('x'), 200, null);
    const name = path.basename(x.result.snapshot);
    // A real folder whose path, read inside the old layout, ran through the symlink.
    await makeFolder(stack, `x/${name}/evil/new`, { 'n.txt': 'n' });
    const nested = expectJob(await backup(`x/${name}/evil/new`), 200, null);
    expect(nested.result.snapshot.startsWith(`x%2F${name}%2Fevil%2Fnew/`)).toBe(true);
    expectJob(await verify(x.id), 200, null);
  });

  it('swapped in for a directory between two backups, is kept as a link: 200', async () => {
    await makeFolder(stack, 'swap', { 'sub/s.txt': 'swap me' });
    expectJob(await backup('swap'), 200, null);
    await rm(source('swap/sub'), { recursive: true });
    await symlink(stack.canary, source('swap/sub'));
    const job = expectJob(await backup('swap'), 200, null);
    expect(job.result).toMatchObject({ files: 1, bytes: 0 });
    expect(await readlink(path.join(stack.backupFolder, job.result.snapshot, 'sub'))).toBe(stack.canary);
  });

  it('swapped in for the folder itself, is refused: 422 OUTSIDE_SOURCE_ROOT', async () => {
    await makeFolder(stack, 'swapped', { 's.txt': 's' });
    expectJob(await backup('swapped'), 200, null);
    await rename(source('swapped'), source('swapped-away'));
    await symlink(stack.canary, source('swapped'));
    expectJob(await backup('swapped'), 422, 'OUTSIDE_SOURCE_ROOT');
  });
});

describe('restore targets on a hostile tree', () => {
  let backupId: string;
  beforeAll(async () => {
    await makeFolder(stack, 'restorable', { 'r.txt': 'restore me', 'sub/b.txt': 'b' });
    backupId = expectJob(await backup('restorable'), 200, null).id;
    await symlink(stack.canary, source('outlink'));
  });

  it.each(['outlink/secret.txt', 'outlink/absent.txt', 'outlink/dir', 'outlink/dir/new/deeper'])(
    '%s (through a symlink leading outside) is 202, whatever lies behind it',
    async (target) => {
      const answer = await restore(backupId, { target }, false);
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ kind: 'restore', status: 'queued', params: { target } });
    },
  );

  it.each(['outlink/secret.txt', 'outlink/absent.txt'])(
    '%s ends 422 OUTSIDE_SOURCE_ROOT: the same answer whether or not a file is there',
    async (target) => {
      const job = expectJob(await restore(backupId, { target }), 422, 'OUTSIDE_SOURCE_ROOT');
      expect(job.error.message).not.toContain(stack.canary);
    },
  );

  it.each(['etclink/strongbox-restored', 'etclink/cron.d/strongbox-restored'])(
    '%s (through a symlink to /etc) ends 422 OUTSIDE_SOURCE_ROOT and writes nothing there',
    async (target) => {
      await symlink('/etc', source('etclink')).catch(() => undefined);
      expectJob(await restore(backupId, { target }), 422, 'OUTSIDE_SOURCE_ROOT');
      const written = path.join('/etc', target.slice('etclink/'.length));
      await expect(access(written)).rejects.toMatchObject({ code: 'ENOENT' });
    },
  );

  it('a target through a symlink loop is 202, then 404 NO_SUCH_DIRECTORY: never a 500 INTERNAL', async () => {
    await symlink('target-loop', source('target-loop'));
    expect((await restore(backupId, { target: 'target-loop/x' }, false)).status).toBe(202);
    expectJob(await restore(backupId, { target: 'target-loop/y' }), 404, 'NO_SUCH_DIRECTORY');
  });

  it.each([
    ['an existing file', 'restorable/r.txt'],
    ['an existing symlink to outside', 'outlink'],
    ['an existing directory', 'restorable'],
  ])('%s is 409 TARGET_EXISTS and nothing changes', async (_, target) => {
    const before = await listTree(stack.sourceRoot);
    expectJob(await restore(backupId, { target }), 409, 'TARGET_EXISTS');
    expect(await listTree(stack.sourceRoot)).toEqual(before);
  });

  it('a target below a file is 422 NOT_A_DIRECTORY and nothing changes', async () => {
    const before = await listTree(stack.sourceRoot);
    expectJob(await restore(backupId, { target: 'restorable/r.txt/below' }), 422, 'NOT_A_DIRECTORY');
    expect(await listTree(stack.sourceRoot)).toEqual(before);
  });

  it('a restore that fails leaves none of the parent directories it made', async () => {
    await makeFolder(stack, 'breakable', { 'sub/b.txt': 'b' });
    const job = expectJob(await backup('breakable'), 200, null);
    // A FIFO where the snapshot had a file: the restore cannot complete.
    const file = path.join(stack.backupFolder, job.result.snapshot, 'sub/b.txt');
    await rm(file);
    execFileSync('mkfifo', [file]);
    const failed = expectJob(
      await restore(job.id, { target: 'new-parent/new2/t', path: 'sub' }),
      500,
      'IO_ERROR',
    );
    expect(failed.error.message).toBe('Could not restore everything: skipped special file (fifo): b.txt');
    expect(await readdir(stack.sourceRoot)).not.toContain('new-parent');
  });
});

describe('folders named like the engine’s own files (one namespace per folder)', () => {
  it.each([
    'nest/20200101T000000Z-abcdef',
    'nest/.staging-0123456789ab-1',
    'nest/20200101T000000Z-abcdef.manifest.jsonl',
    'nest/snapshots',
    'nest/staging',
    'nest/manifests',
    'nest/.dead-20200101T000000Z-abcdef',
    'nest/.strongbox-layout',
    'nest/.folder.json',
    'nest/~0000000000000000000000000000000000000000000000000000000000000000',
    'nest/a%2Fb',
    'nest/%2E',
    `nest/${'n'.repeat(255)}`,
  ])(
    '%s is backed up, survives two backups of its parent an hour later, and verifies: 200',
    async (folder) => {
      await makeFolder(stack, folder, { 'inner.txt': folder });
      await makeFolder(stack, 'nest', { 'top.txt': 'top' });
      const inner = expectJob(await backup(folder), 200, null);
      await ageAllButSnapshots(stack.backupFolder);
      expectJob(await backup('nest'), 200, null);
      expectJob(await backup('nest'), 200, null);
      const verified = expectJob(await verify(inner.id), 200, null);
      expect(verified.result).toMatchObject({ files: 1, bytes: Buffer.byteLength(folder) });
    },
  );

  it('a subfolder named like its parent’s snapshot is written outside that snapshot; both verify', async () => {
    await makeFolder(stack, 'y', { 'a.txt': 'a' });
    const parent = expectJob(await backup('y'), 200, null);
    const name = path.basename(parent.result.snapshot);
    await makeFolder(stack, `y/${name}`, { 'b.txt': 'b' });
    const child = expectJob(await backup(`y/${name}`), 200, null);
    expectJob(await verify(parent.id), 200, null);
    expectJob(await verify(child.id), 200, null);
  });

  it('a/b and a%2Fb are two folders with two namespaces', async () => {
    await makeFolder(stack, 'pair/a/b', { 'one.txt': 'slash' });
    await makeFolder(stack, 'pair/a%2Fb', { 'two.txt': 'percent' });
    const slash = expectJob(await backup('pair/a/b'), 200, null);
    const percent = expectJob(await backup('pair/a%2Fb'), 200, null);
    expect(path.dirname(slash.result.snapshot)).toBe('pair%2Fa%2Fb');
    expect(path.dirname(percent.result.snapshot)).toBe('pair%2Fa%252Fb');
  });

  it('a folder whose key would pass 200 bytes takes the hash form, one component', async () => {
    const folder = `hashed/${'h'.repeat(250)}`;
    await makeFolder(stack, folder, { 'h.txt': 'h' });
    const job = expectJob(await backup(folder), 200, null);
    expect(job.result.snapshot).toMatch(/^~[0-9a-f]{64}\/\d{8}T\d{6}Z-[0-9a-z]+$/);
  });
});

describe('special files and odd names inside a folder', () => {
  it('a FIFO, a socket and a character device are skipped and each listed in warnings: 200', async () => {
    await makeFolder(stack, 'special', { 'a.txt': 'a' });
    execFileSync('mkfifo', [source('special/pipe')]);
    execFileSync('mknod', [source('special/null'), 'c', '1', '3']);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(source('special/sock'), resolve));
    try {
      const job = expectJob(await backup('special'), 200, null);
      expect(job.result).toMatchObject({ files: 1, skipped: 3 });
      expect([...job.result.warnings].sort()).toEqual([
        'skipped special file (character device): null',
        'skipped special file (fifo): pipe',
        'skipped special file (socket): sock',
      ]);
      expect((await readdir(path.join(stack.backupFolder, job.result.snapshot))).sort()).toEqual(['a.txt']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a name that is not UTF-8 is skipped and named as such, with its bytes escaped: 200', async () => {
    await makeFolder(stack, 'latin', { 'ok.txt': 'ok' });
    const dir = Buffer.from(`${source('latin')}/`);
    await writeFile(Buffer.concat([dir, Buffer.from([0x63, 0x61, 0x66, 0xe9])]), 'latin-1 name');
    const job = expectJob(await backup('latin'), 200, null);
    expect(job.result).toMatchObject({
      files: 1,
      skipped: 1,
      warnings: ['name is not valid UTF-8, skipped: caf\\xe9'],
    });
  });

  it('control characters and odd bytes in names inside a folder are copied as they are: 200', async () => {
    const names = ['new\nline', 'tab\there', 'back\\slash', '..dots', ' space', 'ünï', '%2e%2e', '-rf'];
    await makeFolder(stack, 'odd', Object.fromEntries(names.map((name) => [name, name])));
    const job = expectJob(await backup('odd'), 200, null);
    expect(job.result).toMatchObject({ files: names.length, skipped: 0 });
    expect((await readdir(path.join(stack.backupFolder, job.result.snapshot))).sort()).toEqual(
      [...names].sort(),
    );
  });
});

describe('errors name no path of the server', () => {
  it('an I/O error in BACKUP_FOLDER is 500 IO_ERROR, relative to the roots', async () => {
    await makeFolder(stack, 'blocked', { 'f.txt': 'f' });
    // A file where the folder's own directory should be.
    await writeFile(path.join(stack.backupFolder, 'blocked'), 'in the way');
    const job = expectJob(await backup('blocked'), 500, 'IO_ERROR');
    expect(job.error.message).toBe(
      'I/O error while opening the backup directory of blocked: not a directory (ENOTDIR)',
    );
    await rm(path.join(stack.backupFolder, 'blocked'));
  });

  it('every failure so far names the roots only by relative paths', async () => {
    const [rows] = (await stack.db.query(
      "SELECT error_message FROM backup_job WHERE status = 'failed'",
    )) as unknown as [{ error_message: string }[]];
    expect(rows.length).toBeGreaterThan(10);
    const scratch = path.dirname(stack.sourceRoot);
    for (const row of rows) expect(row.error_message).not.toContain(scratch);
  });

  it('the dashboard shows a failed job without a path of the server, and no stack for a folder that does not exist', async () => {
    const ended = expectJob(await backup('dashboard/missing'), 404, 'NO_SUCH_DIRECTORY');
    // MySQL records the end before the queue hears of it: wait for the queue's failed list.
    let shown: { failedReason?: string; stacktrace?: string[] } | undefined;
    await waitFor(
      async () => {
        const answer = await call(stack, 'GET', '/admin/queues/api/queues?activeQueue=jobs&status=failed');
        const queue = answer.body.queues.find((q: { name: string }) => q.name === 'jobs');
        shown = queue.jobs.find((job: { id: string }) => job.id === ended.id);
        return shown !== undefined;
      },
      30_000,
      () => `the dashboard never listed job ${ended.id} as failed`,
    );
    expect(shown?.failedReason).toBe('NO_SUCH_DIRECTORY: No such directory: dashboard/missing');
    expect(shown?.stacktrace).toEqual([]);
    const text = JSON.stringify(shown);
    expect(text).not.toContain('file:');
    expect(text).not.toContain(path.dirname(stack.sourceRoot));
    expect(text).not.toContain(REPOSITORY);
  });

  it('a missing job id in a restore is still a 404, not a look at the disk', async () => {
    const answer = await call(stack, 'POST', '/backups/00000000-0000-0000-0000-000000000000/restore', {
      target: 'outlink/secret.txt',
    });
    expectProblem(answer, 404, 'NOT_FOUND');
  });
});
