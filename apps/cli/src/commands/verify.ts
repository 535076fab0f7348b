import type { Command } from 'commander';
import type { Job } from '../api/types.js';
import type { Io } from '../output/io.js';
import { registerJobCommand } from './job-command.js';
import { addFolderOption, BACKUP_ARGUMENT, type LatestFlags, snapshotJobRequest } from './latest.js';
import type { WaitFlags } from './options.js';

interface VerifyFlags extends WaitFlags, LatestFlags {}

export function registerVerify(program: Command, io: Io): void {
  registerJobCommand<VerifyFlags>(program, io, {
    name: 'verify',
    description: "re-read a backup's snapshot against its manifest of SHA-256 hashes",
    argument: BACKUP_ARGUMENT,
    waitsOn: 'verify job',
    options: (command) => addFolderOption(command, 'verify'),
    examples: [
      'strongbox verify 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90 --wait',
      'strongbox verify latest --folder photos/2024 --wait',
      'strongbox verify 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90 --wait --json | jq -r .status',
    ],
    send: (ctx, id, flags) => {
      const { route, query } = snapshotJobRequest(id, flags, 'verify');
      return ctx.client.request<Job>('POST', route, { query });
    },
  });
}
