import type { Command } from 'commander';
import { contextOf } from '../../context.js';
import type { Io } from '../../output/io.js';
import { examples } from '../options.js';

export function registerWebhookRemove(group: Command, io: Io): void {
  group
    .command('remove')
    .description('remove a webhook and its delivery log; deliveries still queued for it are dropped')
    .argument('<id>', 'the webhook id')
    .addHelpText(
      'after',
      `
The API answers 204 without a body: with --json nothing is printed, and the exit status says
how it went.
${examples('strongbox webhooks remove 6e0c2f11-0b7a-4d36-9a55-9f0e6f1c6a1b')}`,
    )
    .action(async (id: string, _flags: object, self: Command) => {
      const ctx = contextOf(self, io);
      await ctx.client.request<null>('DELETE', `/webhooks/${encodeURIComponent(id)}`);
      if (!ctx.json) ctx.stdout.write(`webhook ${id} removed; nothing more is delivered to it\n`);
    });
}
