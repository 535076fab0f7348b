import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { isKnownToken, presentedToken } from '@strongbox/config';
import type { Registry } from 'prom-client';

/** Options for {@link startMetricsServer}. */
export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  port: number;
  /** Tokens that may scrape (API_TOKENS and METRICS_TOKEN); none: anyone may. */
  tokens: readonly string[];
}

/**
 * Serves `GET /metrics` in Prometheus text, for a process that has no HTTP server of its own (a
 * worker). The same token rule as the API's /metrics: a bearer token (or Basic password) from
 * `tokens` when there are any.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return answer(response, 404, 'Not found: metrics are at GET /metrics\n');
    }
    if (options.tokens.length > 0) {
      const token = presentedToken(request.headers.authorization);
      if (token === null || !isKnownToken(token, options.tokens)) {
        response.setHeader('WWW-Authenticate', 'Bearer');
        return answer(
          response,
          401,
          'A token is needed: send Authorization: Bearer <token> (API_TOKENS or METRICS_TOKEN)\n',
        );
      }
    }
    options.registry.metrics().then(
      (text) => {
        response.setHeader('Content-Type', options.registry.contentType);
        response.end(text);
      },
      () => answer(response, 500, 'The metrics could not be collected; see the log\n'),
    );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return server;
}

function answer(response: ServerResponse, status: number, text: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.end(text);
}
