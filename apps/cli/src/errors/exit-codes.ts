/** The process's exit status, one per way a command can end. `--help` and the README list them. */
export const ExitCode = {
  /** The command did what it was asked; a job it waited on succeeded. */
  ok: 0,
  /** The job failed or was cancelled; its error code and message are on stderr. */
  jobFailed: 1,
  /** A bad command line, or a request the API refused as bad (4xx other than 401/403). */
  usage: 2,
  /** The API could not be reached, did not answer in time, or answered 5xx. */
  unavailable: 3,
  /** The API refused the token, or wants one that was not given. */
  unauthorized: 4,
  /** `--wait` ran out: the job had not ended within `--timeout`. */
  timeout: 5,
  /**
   * The job succeeded with warnings: its snapshot holds everything but the entries it skipped
   * (sockets, FIFOs, devices, names that are not UTF-8, entries that vanished or could not be
   * read), or it noted something else worth a look; the warnings are on stderr.
   */
  warnings: 6,
  /** Ctrl-C while waiting (128 + SIGINT): the client stopped waiting, the job goes on. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The table printed by `strongbox --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success (a job waited on succeeded)
  1    the job failed or was cancelled (its error code and message on stderr)
  2    usage error: bad arguments or options, or a request the API refused (4xx)
  3    the API could not be reached, did not answer, or answered 5xx
  4    authentication refused (401/403): set STRONGBOX_TOKEN or pass --token
  5    --wait ran out (--timeout) before the job ended; the job goes on
  6    the job succeeded with warnings (entries skipped; the warnings on stderr)
  130  Ctrl-C while waiting: the client stops waiting, the job goes on`;
