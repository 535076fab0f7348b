/** Thrown when the environment does not describe a runnable configuration. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';

  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration: fix these environment variables and start again:\n${problems
        .map((p) => `  - ${p}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}
