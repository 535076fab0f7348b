import { type Config, ConfigError, loadConfig, redactSecrets } from '@strongbox/config';
import { initRepository, type RepositoryTuning } from '@strongbox/storage';
import { KEY_COMMAND_HELP, keyCommand } from './repository-keys-command.js';

/** Where the command writes, and what it reads its settings from. */
export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** @internal tests lower the key's cost */
  tuning?: RepositoryTuning;
  /** Standard input, read whole: where `key add` and `key rotate` read a new password by default. */
  stdin: () => Promise<string>;
}

export const REPOSITORY_COMMAND_HELP = `Usage: npm run repository -- init
       npm run repository -- key list|add|remove|rotate

  init    Creates the object repository that REPOSITORY_URL names, with the password of
          REPOSITORY_PASSWORD or REPOSITORY_PASSWORD_FILE (and S3_ENDPOINT, S3_FORCE_PATH_STYLE,
          AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY for s3://). The location must be
          empty: the command refuses where a repository, or any object, is already. Prints the
          new repository's id and location. Workers and the API never create one themselves.

${KEY_COMMAND_HELP}
Options:
  --help  Shows this help.
`;

/**
 * `npm run repository -- init` and `-- key …` (apps/worker/dist/repository-command.js): reads the
 * same environment as the worker, creates the repository or changes its keys, and answers the exit
 * code (0 when done). No password is ever printed; every line goes through the secret redactor.
 */
export async function repositoryCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const out = (text: string) => io.stdout(redactSecrets(text));
  const err = (text: string) => io.stderr(redactSecrets(text));
  if (args.includes('--help') || args.includes('-h')) {
    out(REPOSITORY_COMMAND_HELP);
    return 0;
  }
  const isKey = args[0] === 'key';
  if (!isKey && (args.length !== 1 || args[0] !== 'init')) {
    err(`Unknown command: ${args.join(' ') || '(none)'}\n\n${REPOSITORY_COMMAND_HELP}`);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`${error.message}\n`);
    return 1;
  }
  const settings = config.repository;
  if (settings.kind !== 'object') {
    err(
      'REPOSITORY_URL is not set: snapshots are the local tree in BACKUP_FOLDER, which needs no init. Set REPOSITORY_URL (s3://BUCKET[/PREFIX] or file:///ABSOLUTE/PATH) and REPOSITORY_PASSWORD or REPOSITORY_PASSWORD_FILE.\n',
    );
    return 1;
  }
  if (isKey) return keyCommand(args.slice(1), settings, { ...io, stdout: out, stderr: err });
  try {
    const id = await initRepository(settings, io.tuning);
    out(`Created repository ${id} at ${settings.url}\n`);
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    err(
      `Could not create the repository at ${settings.url}: ${typeof code === 'string' ? `${code}: ` : ''}${message}\n`,
    );
    return 1;
  }
}
