import { type Command, Option } from 'commander';
import { pages } from '../api/pages.js';
import type { Folder, FolderSummary } from '../api/types.js';
import { contextOf } from '../context.js';
import { describePolicy, labelled } from '../output/describe-policy.js';
import { describeSchedule } from '../output/describe-schedule.js';
import type { Io } from '../output/io.js';
import { printPages } from '../output/print-pages.js';
import { formatBytes } from '../output/units.js';
import { writeJson } from '../output/write-json.js';
import { examples, positiveInteger } from './options.js';

interface FoldersFlags {
  limit?: number;
}

/** `strongbox folders` and `strongbox folder FOLDER`. */
export function registerFolders(program: Command, io: Io): void {
  program
    .command('folders')
    .description('list the folders that have a job, a schedule or a policy, by name, with their last backup')
    .addOption(new Option('--limit <n>', 'show at most this many folders').argParser(positiveInteger))
    .addHelpText(
      'after',
      examples(
        'strongbox folders',
        'strongbox folders --json | jq -r \'.items[] | select(.lastBackup.status == "failed") | .folder\'',
      ),
    )
    .action(async (flags: FoldersFlags, self: Command) => {
      const ctx = contextOf(self, io);
      await printPages(ctx, pages<FolderSummary>(ctx.client, '/folders', {}, flags.limit), {
        header: ['FOLDER', 'LAST BACKUP', 'LAST SUCCESS', 'SNAPSHOTS', 'SIZE', 'ADDED'],
        widths: [24, 34, 24, 9, 10],
        row: (folder) => [
          folder.folder,
          folder.lastBackup ? `${folder.lastBackup.status} ${folder.lastBackup.finishedAt}` : 'never',
          folder.lastSuccessAt ?? 'never',
          String(folder.snapshotCount),
          folder.latestSnapshot ? formatBytes(folder.latestSnapshot.bytes) : '-',
          folder.lastBackup?.addedBytes == null ? '-' : formatBytes(folder.lastBackup.addedBytes),
        ],
        empty: 'no folders yet: start a backup, add a schedule or set a policy',
      });
    });

  program
    .command('folder')
    .description('show one folder: its last backup, its snapshots, its policy and its schedules')
    .argument('<folder>', 'the folder, relative to SOURCE_ROOT')
    .addHelpText(
      'after',
      examples(
        'strongbox folder photos/2024',
        'strongbox folder photos/2024 --json | jq .latestSnapshot.bytes',
      ),
    )
    .action(async (folder: string, _flags: object, self: Command) => {
      const ctx = contextOf(self, io);
      const { body } = await ctx.client.request<Folder>('GET', `/folders/${encodeURIComponent(folder)}`);
      if (ctx.json) {
        writeJson(ctx, body);
        return;
      }
      ctx.stdout.write(`${describeFolder(body)}\n`);
    });
}

/** One folder as lines of `label  value`. */
function describeFolder(folder: Folder): string {
  const last = folder.lastBackup;
  const latest = folder.latestSnapshot;
  const lines: [string, string][] = [
    ['folder', folder.folder],
    [
      'last backup',
      last
        ? `${last.status} at ${last.finishedAt}${last.errorCode ? ` (${last.errorCode})` : ''}${
            last.addedBytes == null ? '' : `, added ${formatBytes(last.addedBytes)}`
          } (${last.id})`
        : 'never',
    ],
    ['last success', folder.lastSuccessAt ?? 'never'],
    [
      'snapshots',
      latest
        ? `${folder.snapshotCount}, the newest ${formatBytes(latest.bytes)} in ${latest.files} files at ${latest.finishedAt}`
        : String(folder.snapshotCount),
    ],
    ...describePolicy(folder.hasPolicy ? folder.policy : null),
    [
      'schedules',
      folder.schedules.length === 0
        ? 'none'
        : folder.schedules.map(describeSchedule).join('\n              '),
    ],
  ];
  return labelled(lines);
}
