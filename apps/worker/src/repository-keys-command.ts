import { readFile } from 'node:fs/promises';
import { keepSecret, type RepositorySettings } from '@strongbox/config';
import { addKey, listKeys, removeKey, rotateKey } from '@strongbox/engine/object';
import { storeFromUrl } from '@strongbox/storage';
import type { CommandIo } from './repository-init.js';

export const KEY_COMMAND_HELP = `  key list
          Lists the repository's keys (one a password): id, when it was made, and which one
          REPOSITORY_PASSWORD opens.
  key add [--new-password-file FILE]
          Adds a password. It is read from FILE, else from standard input (one trailing newline
          is not part of it); never from the command line. Nothing is re-encrypted.
  key remove KEY_ID
          Removes a key. Refused (LAST_KEY, nothing changed) when it is the last one.
  key rotate [--new-password-file FILE]
          Adds the new password and removes the key REPOSITORY_PASSWORD opens, in one step.
          Every key command first opens the repository with REPOSITORY_PASSWORD (or
          REPOSITORY_PASSWORD_FILE): a wrong one is WRONG_PASSWORD, and nothing changes.
`;

type ObjectSettings = Extract<RepositorySettings, { kind: 'object' }>;

/** `npm run repository -- key …`: answers the exit code (0 done, 1 refused or failed, 2 bad usage). */
export async function keyCommand(
  args: readonly string[],
  settings: ObjectSettings,
  io: CommandIo,
): Promise<number> {
  const [verb, ...rest] = args;
  const usage = (why: string) => {
    io.stderr(`${why}\n\nUsage:\n${KEY_COMMAND_HELP}`);
    return 2;
  };
  const fileOption = (): string | undefined | null => {
    if (rest.length === 0) return undefined;
    if (rest.length === 2 && rest[0] === '--new-password-file') return rest[1];
    return null;
  };
  if (verb === 'list' && rest.length > 0) return usage(`key list takes no argument: ${rest.join(' ')}`);
  if (verb === 'remove' && rest.length !== 1) return usage('key remove takes one key id');
  if ((verb === 'add' || verb === 'rotate') && fileOption() === null)
    // What was given is not echoed: it may be the password itself.
    return usage(
      `key ${verb} takes only --new-password-file FILE (a password is never given on the command line)`,
    );
  if (verb !== 'list' && verb !== 'remove' && verb !== 'add' && verb !== 'rotate')
    return usage(`Unknown key command: ${verb ?? '(none)'}`);

  let newPassword = '';
  if (verb === 'add' || verb === 'rotate') {
    const file = fileOption();
    try {
      newPassword = (file ? await readFile(file, 'utf8') : await io.stdin()).replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      io.stderr(`Cannot read the new password from ${file}: ${typeof code === 'string' ? code : 'error'}\n`);
      return 1;
    }
    if (newPassword.length === 0) {
      io.stderr(`The new password is empty (read from ${file ?? 'standard input'}): nothing was changed\n`);
      return 1;
    }
    keepSecret(newPassword);
  }

  const store = await storeFromUrl(settings.url, settings.s3);
  const options = io.tuning?.scrypt ? { scrypt: io.tuning.scrypt } : {};
  try {
    if (verb === 'list') {
      for (const key of await listKeys(store, settings.password)) {
        io.stdout(`${key.id}  ${key.created}${key.current ? '  (REPOSITORY_PASSWORD)' : ''}\n`);
      }
    } else if (verb === 'add') {
      io.stdout(`Added key ${await addKey(store, settings.password, newPassword, options)}\n`);
    } else if (verb === 'remove') {
      const [keyId] = rest as [string];
      await removeKey(store, settings.password, keyId);
      io.stdout(`Removed key ${keyId}\n`);
    } else {
      const { added, removed } = await rotateKey(store, settings.password, newPassword, options);
      io.stdout(`Added key ${added} and removed key ${removed}: use the new password from now on\n`);
    }
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`key ${verb}: ${typeof code === 'string' ? `${code}: ` : ''}${message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
