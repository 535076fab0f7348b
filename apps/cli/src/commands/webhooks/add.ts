import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CreatedWebhook } from '../../api/types.js';
import { contextOf } from '../../context.js';
import { UsageError } from '../../errors/usage-error.js';
import type { Io } from '../../output/io.js';
import { writeJson } from '../../output/write-json.js';
import { examples } from '../options.js';

interface AddFlags {
  event: string[];
  folder?: string;
  secretFile?: string;
}

export function registerWebhookAdd(group: Command, io: Io): void {
  group
    .command('add')
    .description('add a webhook: URL gets a signed POST each time a job ends with one of its events')
    .argument(
      '<url>',
      'http:// or https://; the server refuses private addresses unless WEBHOOK_ALLOW_PRIVATE=true',
    )
    .requiredOption(
      '--event <event>',
      'backup.succeeded, backup.failed, verify.…, restore.…; repeat it for several',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--folder <folder>', 'only the jobs of this folder (default: every folder)')
    .option(
      '--secret-file <path>',
      'sign with the secret in this file (one trailing newline dropped); default: the server makes one and prints it once',
    )
    .addHelpText(
      'after',
      `
Without --secret-file the server generates the secret, and this command prints it, once: keep it,
no later command shows it again. The server checks the URL (an address it may reach, no
credentials in it) and refuses a bad one (exit 2) without recording anything.
${examples(
  'strongbox webhooks add https://hooks.example.com/strongbox --event backup.failed',
  'strongbox webhooks add https://ci.example.com/hook --event backup.succeeded --event backup.failed --folder photos/2024',
  'strongbox webhooks add https://hooks.example.com/x --event verify.failed --secret-file /run/secrets/webhook',
)}`,
    )
    .action(async (url: string, flags: AddFlags, self: Command) => {
      const ctx = contextOf(self, io);
      const secret = flags.secretFile === undefined ? undefined : await secretFrom(flags.secretFile);
      const body = {
        url,
        events: flags.event,
        ...(flags.folder === undefined ? {} : { folder: flags.folder }),
        ...(secret === undefined ? {} : { secret }),
      };
      const { body: created } = await ctx.client.request<CreatedWebhook>('POST', '/webhooks', { body });
      if (ctx.json) {
        writeJson(ctx, created);
        return;
      }
      ctx.stdout.write(
        `webhook ${created.id} added: ${created.events.join(', ')} of ${created.folder === null ? 'every folder' : `folder ${created.folder}`} to ${created.url}\n`,
      );
      ctx.stdout.write(
        secret === undefined
          ? `secret (shown this once; deliveries are signed with it): ${created.secret}\n`
          : `deliveries are signed with the secret of ${flags.secretFile}\n`,
      );
    });
}

async function secretFrom(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(
      `--secret-file ${JSON.stringify(file)} cannot be read (${typeof code === 'string' ? code : 'error'})`,
    );
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret.length === 0) throw new UsageError(`--secret-file ${JSON.stringify(file)} is empty`);
  return secret;
}
