import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_SCRYPT } from '@strongbox/storage/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repositoryCommand } from './repository-init.js';

const FIRST = 'first-key-password-6120';
const SECOND = 'second-key-password-7781';
const THIRD = 'third-key-password-9034';

describe('npm run repository -- key', () => {
  let dir: string;
  let url: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'strongbox-keys-'));
    url = `file://${dir}/repo`;
    expect((await command(['init'], FIRST)).code).toBe(0);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function command(args: string[], password: string, stdin = '') {
    const out: string[] = [];
    const err: string[] = [];
    const code = await repositoryCommand(args, {
      env: { REPOSITORY_URL: url, REPOSITORY_PASSWORD: password },
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      tuning: { scrypt: TEST_SCRYPT },
      stdin: async () => stdin,
    });
    return { code, stdout: out.join(''), stderr: err.join('') };
  }

  const keyIds = async () => (await readdir(path.join(dir, 'repo/keys'))).sort();

  it('adds a password read from stdin and rotates to one read from a file, never printing either', async () => {
    const [first] = await keyIds();
    const listed = await command(['key', 'list'], FIRST);
    expect(listed).toEqual({
      code: 0,
      stdout: expect.stringMatching(
        new RegExp(`^${first}  \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  \\(REPOSITORY_PASSWORD\\)\\n$`),
      ),
      stderr: '',
    });

    const added = await command(['key', 'add'], FIRST, `${SECOND}\n`);
    const [second] = (await keyIds()).filter((id) => id !== first);
    expect(added).toEqual({ code: 0, stdout: `Added key ${second}\n`, stderr: '' });
    const both = await command(['key', 'list'], SECOND);
    // In key id order, as the repository lists them.
    const lines = [first!, second!]
      .sort()
      .map((id) => new RegExp(`^${id}  \\S+Z${id === second ? '  \\(REPOSITORY_PASSWORD\\)' : ''}$`));
    const shown = both.stdout.split('\n').filter(Boolean);
    expect(shown).toHaveLength(2);
    shown.forEach((line, at) => {
      expect(line).toMatch(lines[at]!);
    });

    const file = path.join(dir, 'new-password');
    await writeFile(file, `${THIRD}\n`);
    const rotated = await command(['key', 'rotate', '--new-password-file', file], SECOND);
    const [third] = (await keyIds()).filter((id) => id !== first);
    expect(rotated).toEqual({
      code: 0,
      stdout: `Added key ${third} and removed key ${second}: use the new password from now on\n`,
      stderr: '',
    });
    expect(await keyIds()).toEqual([first!, third!].sort());
    const old = await command(['key', 'list'], SECOND);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/^key list: WRONG_PASSWORD: The repository password does not open key /);
    for (const output of [listed, added, both, rotated, old]) {
      for (const secret of [SECOND, THIRD]) expect(output.stdout + output.stderr).not.toContain(secret);
    }
  });

  it('refuses to remove the last key (LAST_KEY, exit 1), and changes nothing', async () => {
    const [only] = await keyIds();
    expect(await command(['key', 'remove', only!], FIRST)).toEqual({
      code: 1,
      stdout: '',
      stderr: `key remove: LAST_KEY: Key ${only} is the repository's last key: add another password before removing it\n`,
    });
    expect(await keyIds()).toEqual([only]);
    expect((await command(['key', 'list'], FIRST)).code).toBe(0);
  });

  it('refuses a password on the command line, and an empty one, with nothing written', async () => {
    const before = await keyIds();
    const argv = await command(['key', 'add', SECOND], FIRST);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(
      /^key add takes only --new-password-file FILE \(a password is never given on the command line\)\n/,
    );
    expect(argv.stderr).not.toContain(SECOND);
    expect(await command(['key', 'add'], FIRST, '\n')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'The new password is empty (read from standard input): nothing was changed\n',
    });
    expect(await keyIds()).toEqual(before);
  });
});
