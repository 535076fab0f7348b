import type { Command } from 'commander';
import type { Stats } from '../api/types.js';
import { contextOf } from '../context.js';
import type { Io } from '../output/io.js';
import { formatBytes, plural } from '../output/units.js';
import { writeJson } from '../output/write-json.js';
import { examples } from './options.js';

export function registerStats(program: Command, io: Io): void {
  program
    .command('stats')
    .description('totals of the backups: how many in each state, what they copied, the last success')
    .addHelpText('after', examples('strongbox stats', 'strongbox stats --json | jq .backups.failed'))
    .action(async (_flags: object, self: Command) => {
      const ctx = contextOf(self, io);
      const { body } = await ctx.client.request<Stats>('GET', '/stats');
      if (ctx.json) {
        writeJson(ctx, body);
        return;
      }
      const { total, succeeded, failed, queued, running, cancelled } = body.backups;
      const lines = [
        `backups       ${total}: ${succeeded} succeeded, ${failed} failed, ${queued} queued, ${running} running, ${cancelled} cancelled`,
        `copied        ${plural(body.filesCopied, 'file')}, ${formatBytes(body.bytesCopied)}`,
        `last success  ${body.lastSuccessAt ?? 'never'}`,
      ];
      ctx.stdout.write(`${lines.join('\n')}\n`);
    });
}
