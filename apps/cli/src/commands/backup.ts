import type { Command } from 'commander';
import type { Job } from '../api/types.js';
import type { Io } from '../output/io.js';
import { registerJobCommand } from './job-command.js';

export function registerBackup(program: Command, io: Io): void {
  registerJobCommand(program, io, {
    name: 'backup',
    description: "back up FOLDER (relative to the server's SOURCE_ROOT) into a new snapshot",
    argument: {
      name: 'folder',
      description: 'the folder, relative to SOURCE_ROOT on the server, such as photos/2024',
    },
    waitsOn: 'backup',
    examples: [
      'strongbox backup photos/2024',
      'strongbox backup photos/2024 --wait',
      'strongbox backup photos/2024 --wait --timeout 600 || echo "no snapshot: exit $?"',
      'id=$(strongbox backup photos/2024 --json | jq -r .id)',
    ],
    send: (ctx, folder) => ctx.client.request<Job>('POST', '/backups', { body: { folder } }),
  });
}
