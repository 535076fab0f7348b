import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Job } from '../api/types.js';
import type { Io } from '../output/io.js';
import { registerJobCommand } from './job-command.js';
import type { WaitFlags } from './options.js';

interface CheckFlags extends WaitFlags {
  readData?: boolean;
  readDataSubset?: number;
}

/** `strongbox prune` and `strongbox check`: the object repository's maintenance jobs. */
export function registerRepository(program: Command, io: Io): void {
  registerJobCommand(program, io, {
    name: 'prune',
    description:
      'free the space of chunks no snapshot references (object repository): condemned by one prune, deleted by the next',
    waitsOn: 'prune',
    examples: ['strongbox prune --wait', 'strongbox prune --wait --json | jq -c .result'],
    send: (ctx) => ctx.client.request<Job>('POST', '/repository/prune'),
  });
  registerJobCommand<CheckFlags>(program, io, {
    name: 'check',
    description:
      "check the object repository: the catalog against the bucket, every snapshot's trees and chunks; exit 1 on damage",
    waitsOn: 'check',
    options: (command) =>
      command
        .addOption(
          new Option('--read-data', 'also read every pack and authenticate every byte').conflicts(
            'readDataSubset',
          ),
        )
        .addOption(
          new Option(
            '--read-data-subset <percent>',
            'read and authenticate this percentage of the packs (1 to 100), drawn anew each time',
          ).argParser(percentage),
        ),
    examples: [
      'strongbox check --wait',
      'strongbox check --read-data --wait || echo "damaged: exit $?"',
      'strongbox check --read-data-subset 10 --wait',
    ],
    send: (ctx, _none, flags) =>
      ctx.client.request<Job>('POST', '/repository/check', {
        query: flags.readData
          ? { readData: 'true' }
          : flags.readDataSubset !== undefined
            ? { readDataSubset: flags.readDataSubset }
            : {},
      }),
  });
}

function percentage(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > 100)
    throw new InvalidArgumentError('must be a whole percentage from 1 to 100');
  return value;
}
