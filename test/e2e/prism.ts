import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type SupervisedProcess, spawnProcess, waitUntilReady } from '@strongbox/services';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
// The `prism` command of the installed @stoplight/prism-cli (its package's `bin`).
const PRISM = path.join(path.dirname(require.resolve('@stoplight/prism-cli/package.json')), 'dist/index.js');

/** The API's OpenAPI document as committed (apps/api/src/plugins/openapi.test.ts keeps it current). */
export const OPENAPI_DOCUMENT = path.join(repo, 'apps/api/openapi.json');

/** A validating proxy in front of an API: every request and answer is checked against the document. */
export interface CheckingProxy {
  url: string;
  /** Everything it printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `prism proxy --errors` between a client and `upstream`, reading `document`: a request that breaks the OpenAPI
 * document is answered 422 by the proxy itself (never forwarded), an answer that breaks it becomes
 * a 500; both as `application/problem+json` whose `type` is one of Prism's errors.
 */
export async function startPrismProxy(upstream: string, document = OPENAPI_DOCUMENT): Promise<CheckingProxy> {
  const port = await freePort();
  const lines: string[] = [];
  const prism: SupervisedProcess = spawnProcess({
    name: 'prism',
    command: process.execPath,
    args: [PRISM, 'proxy', document, upstream, '--errors', '--host', '127.0.0.1', '--port', String(port)],
    cwd: repo,
    output: { lines: (line) => lines.push(line) },
    stopTimeoutMs: 10_000,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(prism, {
    probe: async () => lines.some((line) => line.includes('Prism is listening')),
  });
  return { url, output: () => lines.join('\n'), stop: () => prism.stop() };
}
