import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initRepository } from '@strongbox/storage';
import { TEST_SCRYPT } from '@strongbox/storage/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolder, type Stack } from '../stack.js';
import { linesOf, runCli } from './run-cli.js';
import { startTokenStack, type TokenStack } from './token-stack.js';

// `strongbox prune` and `strongbox check` of the built CLI against the real stack on an object
// repository in a folder (file://), which the test creates before the stack starts.
const TOKEN = 'cli-repository-token-7e31';
const PASSWORD = 'cli-repository-password-5520';
const ID = '[0-9a-f-]{36}';
const DURATION = '\\d+(\\.\\d)? (ms|s)';

let stack: Stack;
let env: Record<string, string>;
let api: TokenStack['api'];
let dir: string;
let repo: string;
/** The data packs of the folder backed up first, which every test leaves referenced. */
let keptPacks: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'strongbox-cli-repository-'));
  repo = path.join(dir, 'repo');
  await initRepository(
    { kind: 'object', url: `file://${repo}`, password: PASSWORD, s3: { forcePathStyle: true } },
    { scrypt: TEST_SCRYPT },
  );
  ({ stack, env, api } = await startTokenStack(TOKEN, {
    REPOSITORY_URL: `file://${repo}`,
    REPOSITORY_PASSWORD: PASSWORD,
  }));
  await makeFolder(stack, 'kept', { 'a.txt': 'alpha', 'sub/b.txt': 'bravo' });
  const backup = await runCli(['backup', 'kept', '--wait'], env);
  expect(backup.code, backup.stderr).toBe(0);
  keptPacks = await packFiles('data');
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The repository's packs of one kind (`data` or `tree`), as files. */
async function packFiles(kind: 'data' | 'tree' = 'data'): Promise<string[]> {
  const files: string[] = [];
  for (const sub of await readdir(path.join(repo, kind)))
    for (const name of await readdir(path.join(repo, kind, sub)))
      files.push(path.join(repo, kind, sub, name));
  return files;
}

async function jobsOf(kind: string): Promise<RowDataPacket[]> {
  const [rows] = await stack.db.query<RowDataPacket[]>('SELECT id, status FROM backup_job WHERE kind = ?', [
    kind,
  ]);
  return rows;
}

describe('strongbox prune and check', () => {
  it('prune --wait condemns the packs of a snapshot retention forgot, and prints the figures of the job (exit 0)', async () => {
    // A folder keeping one snapshot: its second backup forgets the first, whose chunks no snapshot holds.
    await makeFolder(stack, 'forgotten', { 'x.txt': 'the first version' });
    expect((await runCli(['policy', 'forgotten', '--keep-last', '1'], env)).code).toBe(0);
    for (const text of ['the first version', 'a second version, not the first']) {
      await writeFile(path.join(stack.sourceRoot, 'forgotten/x.txt'), text);
      const backup = await runCli(['backup', 'forgotten', '--wait'], env);
      expect(backup.code, backup.stderr).toBe(0);
    }

    const run = await runCli(['prune', '--wait'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const last = linesOf(run.stdout).at(-1) ?? '';
    const line = new RegExp(
      `^prune (${ID}) the repository: succeeded, 0 packs deleted \\(0 B\\), 0 packs repacked, (\\d+) packs? condemned, ${DURATION}$`,
    ).exec(last);
    expect(line, last).not.toBeNull();
    const [, id, condemned] = line!;
    const job = await api('GET', `/backups/${id}`);
    expect(job.body).toMatchObject({ kind: 'prune', folder: '', status: 'succeeded' });
    expect(job.body.result).toMatchObject({
      packsDeleted: 0,
      packsRepacked: 0,
      packsCondemned: Number(condemned),
    });
    expect(Number(condemned)).toBeGreaterThan(0);
  });

  it('check --read-data --wait reads every pack of an intact repository and prints the figures of the job (exit 0)', async () => {
    const packs = (await packFiles('data')).length + (await packFiles('tree')).length;
    expect(packs).toBeGreaterThan(1);
    const run = await runCli(['check', '--read-data', '--wait'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const last = linesOf(run.stdout).at(-1) ?? '';
    // Orphans (packs a prune condemned) are notices, not damage: the check succeeds with them.
    const line = new RegExp(
      `^check (${ID}) the repository: succeeded, (\\d+) findings?, ${packs} packs \\(${packs} read whole\\), (\\d+) orphan packs? of [^,]+, ${DURATION}$`,
    ).exec(last);
    expect(line, last).not.toBeNull();
    const [, id, findings, orphans] = line!;
    const job = await api('GET', `/backups/${id}`);
    expect(job.body).toMatchObject({ kind: 'check', status: 'succeeded', error: null });
    expect(job.body.result).toMatchObject({
      ok: true,
      packs,
      packsRead: packs,
      findingsTotal: Number(findings),
      orphans: { packs: Number(orphans) },
    });
  });

  it('check --read-data-subset sends the percentage: the job records it', async () => {
    const run = await runCli(['check', '--read-data-subset', '25', '--json'], env);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout);
    expect(answer).toMatchObject({ kind: 'check', folder: '', params: { readData: 25 } });
    // It is left to end before the next test changes a pack under it.
    const waited = await runCli(['status', answer.id, '--wait'], env);
    expect(waited.code, waited.stderr).toBe(0);
  });

  it('refuses --read-data with --read-data-subset, and a percentage out of 1 to 100, with exit 2, recording no job', async () => {
    const before = (await jobsOf('check')).length;
    const both = await runCli(['check', '--read-data', '--read-data-subset', '10'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      "error: option '--read-data' cannot be used with option '--read-data-subset <percent>'",
    );
    for (const bad of ['0', '101', '2.5']) {
      const run = await runCli(['check', '--read-data-subset', bad], env);
      expect({ bad, code: run.code }).toEqual({ bad, code: 2 });
      expect(run.stderr).toContain(
        `error: option '--read-data-subset <percent>' argument '${bad}' is invalid. must be a whole percentage from 1 to 100`,
      );
    }
    expect((await jobsOf('check')).length).toBe(before);
  });

  it('check --read-data --wait exits 1 with REPOSITORY_DAMAGED when a byte of a pack changed', async () => {
    const [pack] = keptPacks;
    const bytes = await readFile(pack!);
    const original = Buffer.from(bytes);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(pack!, bytes);
    try {
      const run = await runCli(['check', '--read-data', '--wait'], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(`^strongbox: check ${ID} the repository: failed, REPOSITORY_DAMAGED: `),
      );
    } finally {
      await writeFile(pack!, original);
    }
  });
});
