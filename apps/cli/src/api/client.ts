import { ApiRefusedError } from '../errors/api-refused-error.js';
import { ApiUnavailableError } from '../errors/api-unavailable-error.js';
import { AuthRefusedError } from '../errors/auth-refused-error.js';
import type { Problem } from './types.js';

export interface ApiClientOptions {
  /** The API's base URL; a path in it is kept (`https://host/strongbox/` + `backups`). */
  url: URL;
  /** Sent as `Authorization: Bearer <token>`; never printed. */
  token?: string | undefined;
  /** How long one request may take before the API counts as not answering (--request-timeout). */
  requestTimeoutMs: number;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Aborts the request (Ctrl-C); the caller tells that apart with `signal.aborted`. */
  signal?: AbortSignal;
}

/** One answer: the parsed body, as the API sent it (null for 204 No Content). */
export interface Answer<T> {
  status: number;
  body: T;
}

/** JSON over HTTP to the Strongbox API; turns every answer that is not 2xx into a CliError. */
export class ApiClient {
  readonly url: URL;
  readonly #token: string | undefined;
  /** How long one request may take before the API counts as not answering. */
  readonly requestTimeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.url = options.url;
    this.#token = options.token;
    this.requestTimeoutMs = options.requestTimeoutMs;
  }

  async request<T>(method: string, route: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const url = this.#urlOf(route, options.query);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (timeout.aborted) {
        throw new ApiUnavailableError(
          `the API at ${this.url.origin} did not answer ${method} ${url.pathname} within ${this.requestTimeoutMs / 1000} s`,
        );
      }
      throw new ApiUnavailableError(`could not reach the API at ${this.url.origin}: ${reasonOf(error)}`);
    }

    // 204 No Content (DELETE /schedules/{id}) has no body to parse.
    const body = response.status === 204 ? null : parseJson(text);
    if (body === undefined) {
      throw new ApiUnavailableError(
        `${this.url.origin} answered ${method} ${url.pathname} with ${response.status} and a body that is not ` +
          'JSON: is STRONGBOX_URL (--url) the Strongbox API?',
      );
    }
    if (response.ok) return { status: response.status, body: body as T };
    const problem = asProblem(body, response.status);
    if (response.status === 401 || response.status === 403) {
      throw new AuthRefusedError(response.status, problem.message, this.#token !== undefined);
    }
    if (response.status >= 500) {
      throw new ApiUnavailableError(
        `the API answered ${response.status} ${problem.code}: ${problem.message}`,
      );
    }
    throw new ApiRefusedError(response.status, problem.code, problem.message);
  }

  #urlOf(route: string, query: RequestOptions['query'] = {}): URL {
    const url = new URL(route.replace(/^\//, ''), this.url);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// An error answer from something in front of the API (a proxy) may not have the API's shape.
function asProblem(body: unknown, status: number): Problem {
  const candidate = body as Partial<Problem> | null;
  return {
    statusCode: status,
    error: typeof candidate?.error === 'string' ? candidate.error : '',
    code: typeof candidate?.code === 'string' ? candidate.code : `HTTP_${status}`,
    message: typeof candidate?.message === 'string' ? candidate.message : JSON.stringify(body),
  };
}

// fetch() fails with "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND...) is in its cause.
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message || cause?.code || (error instanceof Error ? error.message : String(error));
}
