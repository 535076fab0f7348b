import type { Command } from 'commander';
import type { Job } from '../api/types.js';
import type { Io } from '../output/io.js';
import { registerJobCommand } from './job-command.js';

export function registerStatus(program: Command, io: Io): void {
  registerJobCommand(program, io, {
    name: 'status',
    description: 'show a job (backup, verify or restore); exits 1 if it failed or was cancelled',
    argument: { name: 'id', description: 'the job id' },
    waitsOn: 'job',
    examples: [
      'strongbox status 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90',
      'strongbox status 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90 --wait --timeout 60',
      'strongbox status 5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90 --json | jq .progress',
    ],
    send: (ctx, id) => ctx.client.request<Job>('GET', `/backups/${encodeURIComponent(id)}`),
  });
}
