import type { Command } from 'commander';
import type { Job } from '../api/types.js';
import type { Io } from '../output/io.js';
import { registerJobCommand } from './job-command.js';

export function registerVerify(program: Command, io: Io): void {
  registerJobCommand(program, io, {
    name: 'verify',
    description: "re-read a backup's snapshot against its manifest of SHA-256 hashes",
    argument: { name: 'id', description: 'the id of a backup that succeeded' },
    waitsOn: 'verify job',
    examples: [
      'strongbox verify 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90 --wait',
      'strongbox verify 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90 --wait --json | jq -r .status',
    ],
    send: (ctx, id) => ctx.client.request<Job>('POST', `/backups/${encodeURIComponent(id)}/verify`),
  });
}
