import { type Config, ConfigError, loadConfig } from '@strongbox/config';
import { z } from 'zod';

/**
 * What `npm start` reads beyond the apps' own configuration. It stays out of `@strongbox/config`
 * because neither the API nor the worker reads it.
 */
const startEnvSchema = z.object({
  WORKERS: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .default(2)
    .describe('npm start only: how many worker processes to run'),
});

/** The apps' configuration, plus what `npm start` alone needs. */
export interface StartSettings extends Config {
  /** How many worker processes to start. */
  workers: number;
  /** False when REDIS_URL is unset: `npm start` then runs a Redis of its own. */
  redisGiven: boolean;
  /** False when DATABASE_URL is unset: `npm start` then runs a MariaDB of its own. */
  databaseGiven: boolean;
  /**
   * `STRONGBOX_TOKEN`, the command-line client's token, when set: `npm start` only says whether it
   * is one of `API_TOKENS` (welcome.ts), and never prints it.
   */
  clientToken: string | undefined;
}

/**
 * Reads `npm start`'s settings once, through the apps' own {@link loadConfig} and `WORKERS`.
 * Empty strings count as unset, as in `loadConfig`.
 * @throws ConfigError listing every bad variable, the apps' and `WORKERS` together.
 */
export function loadStartSettings(env: NodeJS.ProcessEnv = process.env): StartSettings {
  const problems: string[] = [];
  let config: Config | undefined;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const start = startEnvSchema.safeParse({ WORKERS: env.WORKERS || undefined });
  if (!start.success) {
    problems.push(
      ...start.error.issues.map((issue) => `WORKERS=${JSON.stringify(env.WORKERS)}: ${issue.message}`),
    );
  }
  if (config === undefined || !start.success) throw new ConfigError(problems);
  return {
    ...config,
    workers: start.data.WORKERS,
    redisGiven: Boolean(env.REDIS_URL),
    databaseGiven: Boolean(env.DATABASE_URL),
    clientToken: env.STRONGBOX_TOKEN || undefined,
  };
}
