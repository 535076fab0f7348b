import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { COMMANDS } from './commands/index.js';
import { positiveNumber } from './commands/options.js';
import { DEFAULT_REQUEST_TIMEOUT_SECONDS, DEFAULT_URL } from './context.js';
import { EXIT_CODES_HELP } from './errors/exit-codes.js';
import type { Io } from './output/io.js';

/** The `strongbox` command line: global options, every command, the exit codes in --help. */
export function buildProgram(io: Io): Command {
  const program = new Command('strongbox')
    .description(
      'Drive a Strongbox backup service from the shell: start jobs, follow them, schedule backups, read the log.',
    )
    .version(version(), '-V, --version')
    .addOption(new Option('--url <url>', 'the API to talk to').env('STRONGBOX_URL').default(DEFAULT_URL))
    .addOption(
      new Option('--token <token>', 'bearer token, when the server has API_TOKENS (prefer the variable)').env(
        'STRONGBOX_TOKEN',
      ),
    )
    .addOption(
      new Option(
        '--request-timeout <seconds>',
        `give up on a request the API has not answered in this long (exit 3; default ${DEFAULT_REQUEST_TIMEOUT_SECONDS})`,
      )
        .env('STRONGBOX_REQUEST_TIMEOUT')
        .argParser(positiveNumber),
    )
    .option('--json', "print the API's JSON answers unchanged, one per line (no bar, no text)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    // Settings that the commands below inherit: commander errors end in runCli (exit 2), not process.exit.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
${EXIT_CODES_HELP}

Examples:
  $ strongbox backup photos/2024 --wait
  $ STRONGBOX_URL=https://backup.example.net STRONGBOX_TOKEN=… strongbox stats
  $ strongbox list --status failed --json | jq -r '.items[].id'
  $ strongbox schedules add photos/2024 --cron '0 3 * * *' --tz Europe/Paris

Each command has its own --help, with examples.`,
    );
  for (const register of COMMANDS) register(program, io);
  return program;
}

// package.json sits beside dist/ and src/ alike, in the repository and in the installed package.
function version(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
