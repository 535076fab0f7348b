import type { Command } from 'commander';
import { pages } from '../../api/pages.js';
import type { Webhook } from '../../api/types.js';
import { contextOf } from '../../context.js';
import type { Io } from '../../output/io.js';
import { printPages } from '../../output/print-pages.js';
import { examples } from '../options.js';
import { registerWebhookAdd } from './add.js';
import { registerWebhookDeliveries } from './deliveries.js';
import { registerWebhookRemove } from './remove.js';

/** `strongbox webhooks …`: the URLs of `/webhooks`; alone, it lists them. */
export function registerWebhooks(program: Command, io: Io): void {
  const group = program
    .command('webhooks')
    .description('URLs told, with a signed POST, when jobs end: list (alone), add, remove, deliveries')
    .addHelpText(
      'after',
      `
Alone, \`strongbox webhooks\` lists every webhook, oldest first (never their secrets). A webhook
gets a POST of the job that ended for each of its events (backup.succeeded, backup.failed, and the
same for every kind of job), signed with its secret; see the README for how to check a signature.
${examples(
  'strongbox webhooks',
  'strongbox webhooks add https://hooks.example.com/strongbox --event backup.failed',
  'strongbox webhooks deliveries 6e0c2f11-0b7a-4d36-9a55-9f0e6f1c6a1b',
)}`,
    )
    .action(async (_flags: object, self: Command) => {
      const ctx = contextOf(self, io);
      await printPages(ctx, pages<Webhook>(ctx.client, '/webhooks', {}), {
        header: ['ID', 'EVENTS', 'FOLDER', 'URL'],
        widths: [36, 30, 20],
        row: (webhook) => [webhook.id, webhook.events.join(','), webhook.folder ?? '(all)', webhook.url],
        empty: 'no webhooks',
      });
    });
  for (const register of [registerWebhookAdd, registerWebhookRemove, registerWebhookDeliveries]) {
    register(group, io);
  }
}
