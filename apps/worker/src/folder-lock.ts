import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type Db,
  type FolderLease,
  releaseFolderLease,
  renewFolderLease,
  takeFolderLease,
} from '@strongbox/db';
import type { Logger } from 'pino';

/** A backup's folder lease was taken over by another attempt while it ran. */
export class FolderLockLostError extends Error {
  readonly code = 'FOLDER_LOCK_LOST';
  constructor(readonly folder: string) {
    super(
      `The lease on folder ${folder} was taken over by another attempt while the backup ran (it had ` +
        'expired unrenewed); the backup stopped before its snapshot was put in place and will be tried again',
    );
    this.name = 'FolderLockLostError';
  }
}

/** Runs a query of the lease, waiting out an outage of the database (the worker's bookkeeping rules). */
export type LeaseQueryRunner = <T>(query: () => Promise<T>) => Promise<T>;

export interface FolderLock {
  /** The lease as its holder knows it: holder and fencing token. */
  readonly lease: FolderLease;
  /** Aborted, with a FolderLockLostError, as soon as the database says the lease is another's. */
  readonly lost: AbortSignal;
  /**
   * The fence: asks the database to extend the lease if its fencing token is still this one, and
   * throws FolderLockLostError when it is not. `run` decides how long to wait for a database out
   * of reach (the query is tried once without it).
   */
  assertHeld(run?: LeaseQueryRunner): Promise<void>;
  /** Stops renewing and ends the lease (left to expire when the database cannot be reached). */
  release(): Promise<void>;
}

/** What the holder of a lease is told by, and how its take is asked. */
export interface FolderLockContext {
  /** Told of renewals that failed, and of the first that succeeds after them. */
  log?: Logger;
  /**
   * Runs the take, e.g. waiting out an outage of the database. A take repeated after its answer
   * was lost is the same holder's, and gets the lease it already had.
   */
  run?: LeaseQueryRunner;
}

/** Options for {@link tryLockFolder}. */
export interface FolderLockOptions {
  /**
   * How long the lease lasts unrenewed, in ms: how long a folder stays taken after its worker died.
   * @defaultValue 15000
   */
  leaseMs?: number;
  /**
   * Milliseconds between two renewals; keep it well inside `leaseMs`.
   * @defaultValue 3000
   */
  renewIntervalMs?: number;
}

// A dead worker's folder is free again 12 to 15 s after its death: before the queue hands its job
// on (15 to 30 s). Five renewals fit in a lease.
const DEFAULT_LEASE_MS = 15_000;
const DEFAULT_RENEW_INTERVAL_MS = 3_000;
const QUERY_TIMEOUT_MS = 5_000;

/**
 * Takes the lease that lets one backup of a folder run at a time, across every worker process: a
 * row of `folder_lease` in MySQL with an expiry and a fencing token (packages/db, leases). Answers
 * null at once when another holder's lease on the folder has not expired.
 *
 * The lease is renewed every `renewIntervalMs`. A renewal the database does not answer (it is
 * restarting, or out of reach) loses nothing: the backup goes on, and the renewals go on being
 * tried. Only the database answering that the lease's token is no longer this one (it expired and
 * another attempt took it) aborts `lost`. Right before its snapshot is renamed into place, the
 * backup calls the fence, `assertHeld`, which waits for the database if it must.
 */
export async function tryLockFolder(
  db: Db,
  folder: string,
  options: FolderLockOptions = {},
  { log, run = (query) => query() }: FolderLockContext = {},
): Promise<FolderLock | null> {
  const durationMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const holder = `${hostname()}:${process.pid}/${randomUUID()}`;
  const lease = await run(() =>
    takeFolderLease(db, folder, holder, { durationMs, timeoutMs: QUERY_TIMEOUT_MS }),
  );
  if (!lease) return null;
  return watchLease(db, lease, durationMs, options.renewIntervalMs ?? DEFAULT_RENEW_INTERVAL_MS, log);
}

function watchLease(
  db: Db,
  lease: FolderLease,
  durationMs: number,
  intervalMs: number,
  log: Logger | undefined,
): FolderLock {
  const controller = new AbortController();
  const lose = () => {
    if (!controller.signal.aborted) controller.abort(new FolderLockLostError(lease.folder));
  };
  const renew = async (): Promise<boolean> => {
    if (controller.signal.aborted) return false;
    const mine = await renewFolderLease(db, lease, { durationMs, timeoutMs: QUERY_TIMEOUT_MS });
    if (!mine) lose();
    return mine;
  };

  // Failed renewals in a row: the first is logged, and the one that succeeds after them.
  let failures = 0;
  const renewNow = async () => {
    try {
      await renew();
      if (failures > 0) {
        log?.info(
          { folder: lease.folder, fencingToken: lease.token, failures },
          'the database is back; the folder lease is renewed',
        );
      }
      failures = 0;
    } catch (error) {
      if (failures++ === 0) {
        log?.warn(
          { err: error, folder: lease.folder, fencingToken: lease.token },
          'the folder lease could not be renewed; the backup goes on, and its fence will ask again',
        );
      }
    }
  };
  let renewing: Promise<void> | null = null;
  const timer = setInterval(() => {
    renewing ??= renewNow().finally(() => {
      renewing = null;
    });
  }, intervalMs);
  timer.unref();

  return {
    lease,
    lost: controller.signal,
    async assertHeld(run = (query) => query()) {
      if (!(await run(renew))) throw controller.signal.reason;
    },
    async release() {
      clearInterval(timer);
      await renewing;
      if (controller.signal.aborted) return;
      // Unreleased, the lease expires by itself after durationMs.
      await releaseFolderLease(db, lease, { timeoutMs: QUERY_TIMEOUT_MS }).catch(() => false);
    },
  };
}
