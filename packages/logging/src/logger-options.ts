import { fileURLToPath } from 'node:url';
import { redactSecrets } from '@strongbox/config';
import type { LoggerOptions } from 'pino';

/** What {@link loggerOptions} needs to know about the process. */
export interface LoggingSettings {
  level: string;
  /** LOG_FORMAT: json, pretty, or null to choose by whether standard output is a terminal. */
  format: 'json' | 'pretty' | null;
  /** Whether standard output is a terminal. */
  isTTY: boolean;
  /**
   * Finds pino-pretty; answers null when it is not installed (it is a development dependency,
   * absent from a production install).
   * @defaultValue Node's module resolution from this package
   */
  findPretty?: () => string | null;
  /** Told once why the output is JSON although pretty output was asked for. */
  warn?: (message: string) => void;
}

/** The message for a production install asked for pretty logs. */
export const PRETTY_MISSING =
  'Pretty logs (LOG_FORMAT=pretty, or a terminal) need pino-pretty, a development dependency that this ' +
  'install does not have (npm ci --omit=dev leaves it out): logging JSON instead. ' +
  'Install it with npm install pino-pretty, or set LOG_FORMAT=json.';

/**
 * Every line is written without the secrets of the configuration (tokens, the metrics token, the
 * passwords in DATABASE_URL and REDIS_URL), whatever field carries them: a URL, a refusal's reason,
 * an error's message or stack. Keep these hooks when replacing pino's options.
 */
export const SECRET_FREE: Pick<LoggerOptions, 'hooks'> = { hooks: { streamWrite: redactSecrets } };

/**
 * pino's options: JSON lines, or pino-pretty's readable lines when LOG_FORMAT=pretty or, without
 * LOG_FORMAT, when standard output is a terminal. pino-pretty is loaded only then, and a process
 * without it still starts: it logs JSON and says why.
 */
export function loggerOptions(settings: LoggingSettings): LoggerOptions {
  const base: LoggerOptions = { level: settings.level, ...SECRET_FREE };
  const wantsPretty = settings.format === 'pretty' || (settings.format === null && settings.isTTY);
  if (!wantsPretty) return base;
  const target = (settings.findPretty ?? findPretty)();
  if (target === null) {
    (settings.warn ?? warnOnStderr)(PRETTY_MISSING);
    return base;
  }
  return {
    ...base,
    transport: { target, options: { colorize: settings.isTTY, translateTime: 'SYS:standard' } },
  };
}

function findPretty(): string | null {
  try {
    return fileURLToPath(import.meta.resolve('pino-pretty'));
  } catch {
    return null;
  }
}

function warnOnStderr(message: string): void {
  process.stderr.write(`${message}\n`);
}
