import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { keepSecret, secretsOf } from './secrets.js';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/**
 * The environment, as the api and the worker both read it. Every variable has a default that
 * works on one machine, so an empty environment is a valid one.
 */
export const configSchema = z
  .object({
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379').describe("BullMQ's Redis"),
    DATABASE_URL: url(['mysql:', 'mariadb:'])
      .default('mysql://root@127.0.0.1:3306/strongbox')
      .describe('MySQL or MariaDB; the database is created when it does not exist'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"')
      .default('strongbox')
      .describe('BullMQ key prefix, so one Redis can hold several deployments'),
    SOURCE_ROOT: z
      .string()
      .min(1)
      .default('./data')
      .describe('folders named in requests are resolved inside it, and only inside it'),
    BACKUP_FOLDER: z.string().min(1).default('./backup').describe('where snapshots are written'),
    HOST: z.string().min(1).default('127.0.0.1').describe('API listen address'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('API listen port'),
    API_TOKENS: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t.length > 0),
      )
      .describe('comma-separated bearer tokens; when set, every route but /health needs one'),
    ALLOW_NO_AUTH: boolean
      .default(false)
      .describe('allow listening on a non-loopback address without API_TOKENS'),
    WORKER_CONCURRENCY: positiveInt(64).default(2).describe('jobs at once per worker process'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('pino level'),
    RETENTION_KEEP_LAST: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('per folder, keep this many newest successful snapshots (0: no limit by count)'),
    DB_OUTAGE_TOLERANCE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(300)
      .describe(
        'how long a worker waits out a MySQL outage while recording a job (its start, its end) before it gives the attempt up',
      ),
    AUDIT_FLUSH_MS: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(50)
      .describe(
        'the API writes the audit rows of reads (Get Stats, Get Log) in batches at most this many ms after their request; a crash of the API loses at most that window',
      ),
    RETENTION_KEEP_DAILY: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('per folder, keep the newest snapshot of each of this many days (0: no limit by day)'),
    BULL_BOARD_READ_ONLY: boolean
      .default(false)
      .describe(
        'hide the retry, clean and delete actions of the dashboard at /admin/queues, and refuse them',
      ),
    METRICS_TOKEN: z
      .string()
      .optional()
      .describe('a bearer token that opens /metrics only (besides API_TOKENS), for a Prometheus scraper'),
    METRICS_PORT: z.coerce
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe(
        "a worker serves its own Prometheus metrics on HOST:METRICS_PORT when set (the API's are at /metrics)",
      ),
    METRICS_FOLDER_LIMIT: positiveInt(100_000)
      .default(1000)
      .describe(
        'how many folders /metrics gives series of their own (2 each): those whose last success is oldest; the rest are counted in strongbox_folder_omitted',
      ),
    RATE_LIMIT_MAX: z.coerce
      .number()
      .int()
      .min(0)
      .default(1000)
      .describe('requests per window and per token (per client address without one); 0 turns the limit off'),
    RATE_LIMIT_WINDOW_SECONDS: positiveInt(86_400).default(60).describe('the rate limit window, in seconds'),
    LOG_FORMAT: z
      .enum(['json', 'pretty'])
      .optional()
      .describe(
        'json, or pretty (needs the dev dependency pino-pretty); unset: pretty on a terminal, else json',
      ),
  })
  .transform((env) => ({
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    queuePrefix: env.QUEUE_PREFIX,
    sourceRoot: path.resolve(env.SOURCE_ROOT),
    backupFolder: path.resolve(env.BACKUP_FOLDER),
    host: env.HOST,
    port: env.PORT,
    apiTokens: env.API_TOKENS,
    allowNoAuth: env.ALLOW_NO_AUTH,
    workerConcurrency: env.WORKER_CONCURRENCY,
    logLevel: env.LOG_LEVEL,
    retention: { keepLast: env.RETENTION_KEEP_LAST, keepDaily: env.RETENTION_KEEP_DAILY },
    bullBoardReadOnly: env.BULL_BOARD_READ_ONLY,
    metricsToken: env.METRICS_TOKEN ?? null,
    metricsPort: env.METRICS_PORT ?? null,
    metricsFolderLimit: env.METRICS_FOLDER_LIMIT,
    rateLimit: { max: env.RATE_LIMIT_MAX, windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS },
    logFormat: env.LOG_FORMAT ?? null,
    dbOutageToleranceSeconds: env.DB_OUTAGE_TOLERANCE_SECONDS,
    auditFlushMs: env.AUDIT_FLUSH_MS,
  }));

export type Config = z.output<typeof configSchema>;

// Never echoed in a configuration error.
const SECRETS = ['API_TOKENS', 'METRICS_TOKEN'];

/**
 * Reads the configuration once, at start. Empty strings count as unset, so `PORT=` in a
 * compose file means "the default" rather than "invalid".
 *
 * @throws ConfigError listing every bad variable at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(configSchema.in.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? 'environment');
        const shown = SECRETS.includes(key) ? '(hidden)' : JSON.stringify(input[key]);
        return `${key}=${shown}: ${issue.message}`;
      }),
    );
  }
  const config = parsed.data;
  if (config.sourceRoot === config.backupFolder) {
    throw new ConfigError(['SOURCE_ROOT and BACKUP_FOLDER must be different folders']);
  }
  // From now on no log line, log row or error answer of this process holds them.
  keepSecret(...secretsOf(config));
  return config;
}
