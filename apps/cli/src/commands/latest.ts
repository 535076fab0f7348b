import type { Command } from 'commander';
import type { RequestOptions } from '../api/client.js';
import { UsageError } from '../errors/usage-error.js';

/** The word that names a folder's newest snapshot instead of a backup id. */
export const LATEST = 'latest';

/** The flag of verify and restore that goes with `latest`. */
export interface LatestFlags {
  folder?: string;
}

/** The id argument of verify and restore: a backup id, or `latest` with --folder. */
export const BACKUP_ARGUMENT = {
  name: 'id',
  description: `the id of a backup that succeeded, or ${LATEST} with --folder: that folder's newest snapshot`,
};

/** Adds `--folder` to verify or restore. */
export function addFolderOption(command: Command, action: string): Command {
  return command.option(
    '--folder <folder>',
    `with ${LATEST}: the folder whose newest snapshot to ${action} (at the time of the request)`,
  );
}

/**
 * The route and query that verify or restore (`action`) the backup `id`: `/backups/ID/ACTION`, or
 * for `latest`, `/backups/latest/ACTION?folder=F`, which the API resolves to F's newest snapshot.
 */
export function snapshotJobRequest(
  id: string,
  flags: LatestFlags,
  action: 'verify' | 'restore',
): { route: string; query: RequestOptions['query'] } {
  if (id !== LATEST) {
    if (flags.folder !== undefined) {
      throw new UsageError(`--folder goes with ${LATEST}: ${action} ${LATEST} --folder FOLDER`);
    }
    return { route: `/backups/${encodeURIComponent(id)}/${action}`, query: {} };
  }
  if (flags.folder === undefined) {
    throw new UsageError(
      `${action} ${LATEST} needs --folder FOLDER: the folder whose newest snapshot to ${action}`,
    );
  }
  return { route: `/backups/${LATEST}/${action}`, query: { folder: flags.folder } };
}
