import type { DeploymentRepository } from '@strongbox/storage';
import type { Logger } from 'pino';

/** Options for {@link whenRepositoryOpens}. */
export interface RepositoryGateOptions {
  repository: DeploymentRepository;
  logger: Logger;
  /** Milliseconds between two attempts to open it while it cannot be. */
  retryMs: number;
  /** Called once, when it has opened. */
  onOpen: () => void;
}

/**
 * Opens the repository now, and again every `retryMs` until it opens, then calls `onOpen`: the
 * worker takes jobs only from then on. A refusal (no repository at the URL, a wrong password, a
 * missing bucket, an unknown format version) is logged once, as an error naming the reason, and
 * again only when the reason changes; every attempt in between is logged at debug. So creating the
 * bucket or the repository later, or fixing the password file, starts the worker without a restart
 * and without a line per attempt. Answers a stop, which ends the attempts.
 */
export function whenRepositoryOpens(options: RepositoryGateOptions): () => Promise<void> {
  const { repository, logger, retryMs, onOpen } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastReason: string | null = null;
  let attempt: Promise<void> = Promise.resolve();
  const tryOpen = async () => {
    try {
      await repository.open();
    } catch (error) {
      if (stopped) return;
      const reason = reasonOf(error);
      const fields = { repository: repository.location, code: codeOf(error), retryInMs: retryMs };
      if (reason !== lastReason) {
        logger.error(
          fields,
          `The repository cannot be opened; this worker takes no job until it can: ${reason}`,
        );
        lastReason = reason;
      } else logger.debug(fields, 'the repository still cannot be opened');
      timer = setTimeout(() => {
        attempt = tryOpen();
      }, retryMs);
      return;
    }
    if (stopped) return;
    if (lastReason !== null)
      logger.info({ repository: repository.location }, 'the repository opened; taking jobs');
    onOpen();
  };
  attempt = tryOpen();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await attempt;
  };
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = codeOf(error);
  return code === null ? message : `${code}: ${message}`;
}

function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}
