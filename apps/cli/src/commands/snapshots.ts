import { type Command, Option } from 'commander';
import { pages } from '../api/pages.js';
import type { Snapshot } from '../api/types.js';
import { contextOf } from '../context.js';
import type { Io } from '../output/io.js';
import { printPages } from '../output/print-pages.js';
import { formatBytes } from '../output/units.js';
import { examples, positiveInteger } from './options.js';

interface SnapshotsFlags {
  limit: number;
}

const DEFAULT_LIMIT = 20;

export function registerSnapshots(program: Command, io: Io): void {
  program
    .command('snapshots')
    .description(
      "list a folder's snapshots, newest first: its backups that succeeded and that retention kept",
    )
    .argument('<folder>', 'the folder, relative to SOURCE_ROOT')
    .addOption(
      new Option('--limit <n>', 'show at most this many snapshots')
        .argParser(positiveInteger)
        .default(DEFAULT_LIMIT),
    )
    .addHelpText(
      'after',
      examples(
        'strongbox snapshots photos/2024',
        "strongbox snapshots photos/2024 --limit 1 --json | jq -r '.items[0].backupId'",
        'strongbox restore latest --folder photos/2024 --target restored/photos --wait',
      ),
    )
    .action(async (folder: string, flags: SnapshotsFlags, self: Command) => {
      const ctx = contextOf(self, io);
      const route = `/folders/${encodeURIComponent(folder)}/snapshots`;
      await printPages(ctx, pages<Snapshot>(ctx.client, route, {}, flags.limit), {
        header: ['ID', 'FINISHED', 'FILES', 'SIZE', 'SNAPSHOT'],
        widths: [36, 24, 8, 10],
        row: (snapshot) => [
          snapshot.backupId,
          snapshot.finishedAt,
          String(snapshot.files),
          formatBytes(snapshot.bytes),
          snapshot.snapshot,
        ],
        empty: `no snapshots of ${folder}`,
      });
    });
}
