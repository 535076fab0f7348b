import { type Command, Option } from 'commander';
import { pages } from '../api/pages.js';
import { JOB_KINDS, JOB_STATUSES, type Job } from '../api/types.js';
import { contextOf } from '../context.js';
import { progressOf } from '../output/describe-job.js';
import type { Io } from '../output/io.js';
import { printPages } from '../output/print-pages.js';
import { examples, positiveInteger } from './options.js';

interface ListFlags {
  kind?: string;
  status?: string;
  folder?: string;
  limit: number;
}

const DEFAULT_LIMIT = 20;

export function registerList(program: Command, io: Io): void {
  program
    .command('list')
    .description('list jobs of every kind, newest first')
    .addOption(new Option('--kind <kind>', 'only jobs of this kind').choices(JOB_KINDS))
    .addOption(new Option('--status <status>', 'only jobs in this state').choices(JOB_STATUSES))
    .option('--folder <folder>', 'only jobs of this folder')
    .addOption(
      new Option('--limit <n>', 'show at most this many jobs')
        .argParser(positiveInteger)
        .default(DEFAULT_LIMIT),
    )
    .addHelpText(
      'after',
      examples(
        'strongbox list',
        'strongbox list --status failed --limit 5',
        "strongbox list --kind backup --folder photos/2024 --json | jq -r '.items[].id'",
      ),
    )
    .action(async (flags: ListFlags, self: Command) => {
      const ctx = contextOf(self, io);
      const query = { kind: flags.kind, status: flags.status, folder: flags.folder };
      await printPages(ctx, pages<Job>(ctx.client, '/backups', query, flags.limit), {
        header: ['ID', 'KIND', 'STATUS', 'CREATED', 'FOLDER', 'OUTCOME'],
        widths: [36, 7, 9, 24, 20],
        row: (job) => [job.id, job.kind, job.status, job.createdAt, job.folder, outcomeOf(job)],
        empty: 'no jobs',
      });
    });
}

/**
 * The snapshot of a job that succeeded (a check: how many findings; a prune: the packs deleted),
 * the progress of one running, the error code of one that did not.
 */
function outcomeOf(job: Job): string {
  if (job.status === 'succeeded' && job.result) {
    if (job.kind === 'prune') return `${job.result.packsDeleted} packs deleted`;
    if (job.kind === 'check') return `${job.result.findingsTotal} findings`;
    return job.result.snapshot;
  }
  if (job.status === 'running') return progressOf(job);
  return job.error?.code ?? '';
}
