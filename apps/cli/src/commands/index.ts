import type { Command } from 'commander';
import type { Io } from '../output/io.js';
import { registerBackup } from './backup.js';
import { registerCancel } from './cancel.js';
import { registerFolders } from './folders.js';
import { registerList } from './list.js';
import { registerLogs } from './logs.js';
import { registerPolicy } from './policy.js';
import { registerRepository } from './repository.js';
import { registerRestore } from './restore.js';
import { registerSchedules } from './schedules/index.js';
import { registerSnapshots } from './snapshots.js';
import { registerStats } from './stats.js';
import { registerStatus } from './status.js';
import { registerVerify } from './verify.js';
import { registerWebhooks } from './webhooks/index.js';

/**
 * Every command, in the order `--help` lists them. A command group (one name, subcommands of
 * its own) registers the same way: `program.command('name')` and its subcommands on that.
 */
export const COMMANDS: ((program: Command, io: Io) => void)[] = [
  registerBackup,
  registerStatus,
  registerList,
  registerCancel,
  registerSnapshots,
  registerVerify,
  registerRestore,
  registerRepository,
  registerLogs,
  registerStats,
  registerSchedules,
  registerWebhooks,
  registerFolders,
  registerPolicy,
];
