import type { Command } from 'commander';
import { ApiClient } from './api/client.js';
import { UsageError } from './errors/usage-error.js';
import type { Io } from './output/io.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';
/** How long a request may go unanswered before the command gives up (exit 3), unless told otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

/** The options every command takes (before or after its name). */
export interface GlobalOptions {
  url?: string;
  token?: string;
  requestTimeout?: number;
  json?: boolean;
}

/** What a command runs with: the API client and where to write. */
export interface Context extends Io {
  client: ApiClient;
  /** Print the API's answers as JSON, one per line, rather than text. */
  json: boolean;
}

/**
 * Builds the context from the command line and STRONGBOX_URL / STRONGBOX_TOKEN /
 * STRONGBOX_REQUEST_TIMEOUT (commander reads them).
 */
export function contextOf(command: Command, io: Io): Context {
  const options = command.optsWithGlobals<GlobalOptions>();
  // An empty variable (STRONGBOX_TOKEN= in a crontab) counts as not set.
  const client = new ApiClient({
    url: apiUrl(options.url || DEFAULT_URL),
    token: options.token || undefined,
    requestTimeoutMs: (options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000,
  });
  return { ...io, client, json: options.json === true };
}

function apiUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url (or STRONGBOX_URL) must be a URL such as ${DEFAULT_URL}: got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url (or STRONGBOX_URL) must be an http:// or https:// URL: got "${text}"`);
  }
  if (url.username || url.password) {
    throw new UsageError('--url (or STRONGBOX_URL) must not hold a user or password: use STRONGBOX_TOKEN');
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}
