import { type Command, InvalidArgumentError, Option } from 'commander';
import type { FolderPolicy, PolicyPatch } from '../api/types.js';
import { contextOf } from '../context.js';
import { describePolicy, labelled } from '../output/describe-policy.js';
import type { Io } from '../output/io.js';
import { writeJson } from '../output/write-json.js';
import { examples } from './options.js';

interface PolicyFlags {
  exclude?: string[];
  clearExclude?: boolean;
  excludeIfPresent?: string[];
  maxFileSize?: number | null;
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
}

const KEEP_FLAGS = [
  ['keepLast', '--keep-last', 'the newest N snapshots'],
  ['keepHourly', '--keep-hourly', 'the newest snapshot of each of the last N hours that have one'],
  ['keepDaily', '--keep-daily', 'the newest of each of the last N days'],
  ['keepWeekly', '--keep-weekly', 'the newest of each of the last N ISO weeks'],
  ['keepMonthly', '--keep-monthly', 'the newest of each of the last N months'],
  ['keepYearly', '--keep-yearly', 'the newest of each of the last N years'],
] as const;

/** `strongbox policy FOLDER [changes]`: shows a folder's policy, or changes part of it (PATCH). */
export function registerPolicy(program: Command, io: Io): void {
  const command = program
    .command('policy')
    .description("show a folder's policy, or change the parts given (the others stay as they are)")
    .argument('<folder>', 'the folder, relative to SOURCE_ROOT')
    .addOption(
      new Option(
        '--exclude <pattern>',
        'a gitignore line; repeat it: the lines given replace the exclude list',
      ).argParser(collect),
    )
    .option('--clear-exclude', 'empty the exclude list')
    .addOption(
      new Option(
        '--exclude-if-present <name>',
        'leave out a directory that holds a file of this name (e.g. .nobackup); repeat it: the names replace the list',
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--max-file-size <size>',
        'leave out files larger than this: bytes, or 10MiB, 1.5GB…; "none" for no limit',
      ).argParser(parseSize),
    );
  for (const [, flag, keeps] of KEEP_FLAGS) {
    command.addOption(new Option(`${flag} <n>`, `retention keeps ${keeps}`).argParser(count));
  }
  command
    .addHelpText(
      'after',
      `
Retention rules set here merge with the folder's others (restic's forget semantics: a snapshot
is kept when any rule keeps it); a folder with no rule of its own follows the deployment's
RETENTION_KEEP_LAST and RETENTION_KEEP_DAILY. The server checks every pattern: one it refuses
is answered INVALID_POLICY (exit 2) and nothing changes.
${examples(
  'strongbox policy photos/2024',
  "strongbox policy photos/2024 --exclude '*.tmp' --exclude 'cache/' --keep-daily 7 --keep-weekly 4",
  'strongbox policy photos/2024 --exclude-if-present .nobackup --max-file-size 1GiB',
  'strongbox policy photos/2024 --clear-exclude --json',
)}`,
    )
    .action(async (folder: string, flags: PolicyFlags, self: Command) => {
      const ctx = contextOf(self, io);
      const route = `/folders/${encodeURIComponent(folder)}/policy`;
      const patch = patchOf(flags);
      const { body } =
        patch === null
          ? await ctx.client.request<FolderPolicy>('GET', route)
          : await ctx.client.request<FolderPolicy>('PATCH', route, { body: patch });
      if (ctx.json) {
        writeJson(ctx, body);
        return;
      }
      ctx.stdout.write(`${labelled(describePolicy(body))}\n`);
    });
}

/** The merge patch the flags ask for; null when they ask for none (the policy is shown). */
function patchOf(flags: PolicyFlags): PolicyPatch | null {
  const patch: PolicyPatch = {};
  if (flags.clearExclude || flags.exclude) patch.exclude = flags.exclude ?? [];
  if (flags.excludeIfPresent) patch.excludeIfPresent = flags.excludeIfPresent;
  if (flags.maxFileSize !== undefined) patch.maxFileSize = flags.maxFileSize;
  const retention: NonNullable<PolicyPatch['retention']> = {};
  for (const [key] of KEEP_FLAGS) {
    const value = flags[key];
    if (value !== undefined) retention[key] = value;
  }
  if (Object.keys(retention).length > 0) patch.retention = retention;
  return Object.keys(patch).length > 0 ? patch : null;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function count(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError('must be a whole number, 0 or more');
  }
  return value;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
};

/** `1048576`, `10MiB`, `1.5 GB`, `none` (null: no limit) as bytes. */
export function parseSize(text: string): number | null {
  if (text.trim().toLowerCase() === 'none') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new InvalidArgumentError('must be a size above 0 such as 1048576, 10MiB or 1.5GB, or "none"');
  }
  return bytes;
}
