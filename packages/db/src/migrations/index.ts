import { migration as m0001 } from './0001-create-log.js';
import { migration as m0002 } from './0002-log-job-and-message.js';
import { migration as m0003 } from './0003-create-backup-job.js';
import { migration as m0004 } from './0004-request-fingerprint.js';
import { migration as m0005 } from './0005-create-schedule.js';
import { migration as m0006 } from './0006-job-counts.js';
import { migration as m0010 } from './0010-log-date-milliseconds.js';
import { migration as m0011 } from './0011-folder-backups-and-failures.js';
import { migration as m0012 } from './0012-folder-lease.js';
import { migration as m0013 } from './0013-repository-catalog.js';
import { migration as m0014 } from './0014-folder-snapshots.js';
import { migration as m0015 } from './0015-folder-policy.js';
import { migration as m0016 } from './0016-repository-prune.js';
import { migration as m0017 } from './0017-webhooks.js';
import { migration as m0018 } from './0018-folder-summary.js';
import { migration as m0019 } from './0019-schedule-kind.js';
import { migration as m0020 } from './0020-exact-folders.js';
import type { Migration } from './migration.js';

/** Every migration, in order. Append only. */
export const migrations: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0010,
  m0011,
  m0012,
  m0013,
  m0014,
  m0015,
  m0016,
  m0017,
  m0018,
  m0019,
  m0020,
];
