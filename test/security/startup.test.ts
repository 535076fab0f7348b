import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../apps/api/dist/main.js');

/** Runs the built API with only `env` (and PATH); answers how it ended. */
function runApi(env: Record<string, string>) {
  const run = spawnSync(process.execPath, [main], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: 'redis://127.0.0.1:1',
      DATABASE_URL: 'mysql://root@127.0.0.1:1/none',
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe('an API without API_TOKENS', () => {
  it.each(['0.0.0.0', '::', '10.1.2.3'])(
    'refuses to listen on %s and exits 1 before connecting to anything',
    (host) => {
      const run = runApi({ HOST: host });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        `Refusing to listen on ${host} without API_TOKENS: anyone who can reach it could start backups. ` +
          'Set API_TOKENS, listen on 127.0.0.1 (HOST), or set ALLOW_NO_AUTH=true if something in front of the API checks callers.\n',
      );
    },
  );
});
