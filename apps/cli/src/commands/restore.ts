import type { Command } from 'commander';
import type { Job } from '../api/types.js';
import type { Io } from '../output/io.js';
import { registerJobCommand } from './job-command.js';
import { addFolderOption, BACKUP_ARGUMENT, type LatestFlags, snapshotJobRequest } from './latest.js';
import type { WaitFlags } from './options.js';

interface RestoreFlags extends WaitFlags, LatestFlags {
  target: string;
  path?: string;
}

export function registerRestore(program: Command, io: Io): void {
  registerJobCommand<RestoreFlags>(program, io, {
    name: 'restore',
    description: "restore a backup's snapshot, or one path in it, into a new folder under SOURCE_ROOT",
    argument: BACKUP_ARGUMENT,
    waitsOn: 'restore job',
    options: (command) =>
      addFolderOption(
        command
          .requiredOption(
            '--target <folder>',
            'where to restore: a folder under SOURCE_ROOT that does not exist yet',
          )
          .option('--path <path>', 'restore only this file or folder of the snapshot'),
        'restore',
      ),
    examples: [
      'strongbox restore 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90 --target restored/photos --wait',
      'strongbox restore 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90 --target restored/march --path 03',
      'strongbox restore latest --folder photos/2024 --target restored/photos --wait',
    ],
    send: (ctx, id, flags) => {
      const { route, query } = snapshotJobRequest(id, flags, 'restore');
      return ctx.client.request<Job>('POST', route, {
        query,
        body:
          flags.path === undefined ? { target: flags.target } : { target: flags.target, path: flags.path },
      });
    },
  });
}
