import { readFileSync } from 'node:fs';
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
    REPOSITORY_URL: z
      .string()
      .optional()
      .describe(
        'unset: snapshots are a local tree in BACKUP_FOLDER; s3://BUCKET[/PREFIX] or file:///ABSOLUTE/PATH: the object repository there (deduplicated, compressed, encrypted)',
      ),
    REPOSITORY_PASSWORD: z
      .string()
      .optional()
      .describe(
        "opens the object repository's key (or REPOSITORY_PASSWORD_FILE; exactly one with REPOSITORY_URL)",
      ),
    REPOSITORY_PASSWORD_FILE: z
      .string()
      .optional()
      .describe('a file holding the password, read at start; one trailing newline is not part of it'),
    S3_ENDPOINT: url(['http:', 'https:'])
      .optional()
      .describe("another S3-compatible server than AWS's, e.g. http://minio:9000"),
    S3_FORCE_PATH_STYLE: boolean
      .default(false)
      .describe(
        'address the bucket in the path (http://host/bucket/key): most servers other than AWS need it',
      ),
    AWS_REGION: z.string().optional().describe("the bucket's region (the SDK's own variable)"),
    AWS_ACCESS_KEY_ID: z
      .string()
      .optional()
      .describe("with AWS_SECRET_ACCESS_KEY, the S3 key; unset: the SDK's chain (profile, role)"),
    AWS_SECRET_ACCESS_KEY: z.string().optional().describe('the secret of AWS_ACCESS_KEY_ID'),
    WEBHOOK_ALLOW_PRIVATE: boolean
      .default(false)
      .describe(
        'let webhooks reach loopback, link-local and private addresses (refused by default: a client could make the server call into its own network)',
      ),
    HOOKS_FILE: z
      .string()
      .optional()
      .describe(
        "a JSON file of command hooks run before and after a folder's backups, read by the worker at start (docs/security.md)",
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
    repository: repositoryOf(env),
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
    hooksFile: env.HOOKS_FILE === undefined ? null : path.resolve(env.HOOKS_FILE),
  }));

export type Config = z.output<typeof configSchema>;

/**
 * Where the deployment's snapshots live: the local tree in BACKUP_FOLDER, or the object repository
 * at `url` (the password is filled in by {@link loadConfig}, which reads REPOSITORY_PASSWORD_FILE).
 */
export type RepositorySettings =
  | { kind: 'local'; backupFolder: string }
  | {
      kind: 'object';
      url: string;
      password: string;
      s3: {
        endpoint?: string;
        region?: string;
        forcePathStyle: boolean;
        credentials?: { accessKeyId: string; secretAccessKey: string };
      };
    };

function repositoryOf(env: {
  BACKUP_FOLDER: string;
  REPOSITORY_URL?: string | undefined;
  REPOSITORY_PASSWORD?: string | undefined;
  S3_ENDPOINT?: string | undefined;
  S3_FORCE_PATH_STYLE: boolean;
  AWS_REGION?: string | undefined;
  AWS_ACCESS_KEY_ID?: string | undefined;
  AWS_SECRET_ACCESS_KEY?: string | undefined;
}): RepositorySettings {
  if (env.REPOSITORY_URL === undefined)
    return { kind: 'local', backupFolder: path.resolve(env.BACKUP_FOLDER) };
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return {
    kind: 'object',
    url: env.REPOSITORY_URL,
    password: env.REPOSITORY_PASSWORD ?? '',
    s3: {
      ...(env.S3_ENDPOINT === undefined ? {} : { endpoint: env.S3_ENDPOINT }),
      ...(env.AWS_REGION === undefined ? {} : { region: env.AWS_REGION }),
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
      ...(accessKeyId !== undefined && secretAccessKey !== undefined
        ? { credentials: { accessKeyId, secretAccessKey } }
        : {}),
    },
  };
}

// Never echoed in a configuration error.
const SECRETS = ['API_TOKENS', 'METRICS_TOKEN', 'REPOSITORY_PASSWORD', 'AWS_SECRET_ACCESS_KEY'];

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
  const problems = repositoryProblems(input);
  if (problems.length > 0) throw new ConfigError(problems);
  if (config.repository.kind === 'object' && input.REPOSITORY_PASSWORD_FILE !== undefined) {
    config.repository.password = readPasswordFile(input.REPOSITORY_PASSWORD_FILE);
  }
  // From now on no log line, log row or error answer of this process holds them.
  keepSecret(...secretsOf(config));
  return config;
}

/** What is wrong with the repository's variables together: each bad combination, named. */
function repositoryProblems(input: Record<string, string>): string[] {
  const url = input.REPOSITORY_URL;
  const passwords = ['REPOSITORY_PASSWORD', 'REPOSITORY_PASSWORD_FILE'].filter((key) => key in input);
  const problems: string[] = [];
  if (url === undefined) {
    if (passwords.length > 0)
      problems.push(
        `${passwords.join(' and ')} set without REPOSITORY_URL: set REPOSITORY_URL too, or unset it`,
      );
    return problems;
  }
  const shown = `REPOSITORY_URL=${JSON.stringify(url)}`;
  const wrong = urlProblem(url);
  if (wrong) problems.push(`${shown}: ${wrong}; use s3://BUCKET[/PREFIX] or file:///ABSOLUTE/PATH`);
  if (passwords.length === 0)
    problems.push('REPOSITORY_URL is set: set REPOSITORY_PASSWORD or REPOSITORY_PASSWORD_FILE too');
  if (passwords.length === 2)
    problems.push('REPOSITORY_PASSWORD and REPOSITORY_PASSWORD_FILE are both set: set only one');
  const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].filter((key) => key in input);
  if (keys.length === 1)
    problems.push(
      `${keys[0]} is set without ${keys[0] === 'AWS_ACCESS_KEY_ID' ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'}: set both, or neither`,
    );
  return problems;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function urlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it is not a URL';
  }
  if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '')
    return 'it must not have a query, a fragment or credentials';
  if (parsed.protocol === 'file:') {
    if (parsed.host !== '' || !url.startsWith('file:///'))
      return 'the path must be absolute (file:///ABSOLUTE/PATH, three slashes)';
    if (parsed.pathname === '/') return 'the path is the root directory';
    return null;
  }
  if (parsed.protocol === 's3:') {
    if (parsed.port !== '') return 'an s3 URL has no port: set S3_ENDPOINT';
    if (!BUCKET.test(parsed.hostname))
      return `the bucket ${JSON.stringify(parsed.hostname)} is not a bucket name (3 to 63 lowercase letters, digits, "." and "-")`;
    return null;
  }
  return `the scheme ${parsed.protocol} is not s3: or file:`;
}

function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError([
      `REPOSITORY_PASSWORD_FILE=${JSON.stringify(file)}: cannot be read (${typeof code === 'string' ? code : 'error'})`,
    ]);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password.length === 0)
    throw new ConfigError([`REPOSITORY_PASSWORD_FILE=${JSON.stringify(file)}: the file is empty`]);
  return password;
}
