import type { Command } from 'commander';
import { pages } from '../../api/pages.js';
import type { WebhookDelivery } from '../../api/types.js';
import { contextOf } from '../../context.js';
import type { Io } from '../../output/io.js';
import { printPages } from '../../output/print-pages.js';
import { examples } from '../options.js';

export function registerWebhookDeliveries(group: Command, io: Io): void {
  group
    .command('deliveries')
    .description("a webhook's delivery log: every attempt, newest first, following the pages to the end")
    .argument('<id>', 'the webhook id')
    .addHelpText(
      'after',
      examples(
        'strongbox webhooks deliveries 6e0c2f11-0b7a-4d36-9a55-9f0e6f1c6a1b',
        'strongbox webhooks deliveries 6e0c2f11-0b7a-4d36-9a55-9f0e6f1c6a1b --json | jq -r \'.items[] | select(.outcome != "delivered") | .error\'',
      ),
    )
    .action(async (id: string, _flags: object, self: Command) => {
      const ctx = contextOf(self, io);
      const route = `/webhooks/${encodeURIComponent(id)}/deliveries`;
      await printPages(ctx, pages<WebhookDelivery>(ctx.client, route, {}), {
        header: ['AT', 'EVENT', 'JOB', 'ATTEMPT', 'OUTCOME', 'STATUS', 'ERROR'],
        widths: [24, 16, 36, 7, 9, 6],
        row: (delivery) => [
          delivery.at,
          delivery.event,
          delivery.jobId,
          String(delivery.attempt),
          delivery.outcome,
          delivery.statusCode === null ? '-' : String(delivery.statusCode),
          delivery.error ?? '',
        ],
        empty: 'no deliveries',
      });
    });
}
