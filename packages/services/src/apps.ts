import { join } from 'node:path';
import { httpAnswers } from './probes.js';
import { type SupervisedProcess, spawnProcess, waitUntilReady } from './supervised-process.js';

export interface StartAppOptions {
  /** The repository root: the app runs from `apps/<app>/dist/main.js` in it, as `npm run build` leaves it. */
  root: string;
  /** Its whole environment; the app reads its configuration from it. */
  env: NodeJS.ProcessEnv;
  /** Each line it prints (pino's JSON lines). */
  output: (line: string) => void;
  /** Used in messages. @defaultValue `api` or `worker` */
  name?: string;
  /** @defaultValue 60_000 */
  readyTimeoutMs?: number;
}

export interface StartApiOptions extends StartAppOptions {
  /** Where it answers, e.g. `http://127.0.0.1:3000`; it is ready once `GET <url>/health` answers 200. */
  url: string;
}

/**
 * How long an app has after SIGTERM before SIGKILL: longer than the worker's own one-minute grace for
 * its running jobs (apps/worker/src/main.ts), so that a stop never cuts a job the worker could finish.
 */
export const APP_STOP_TIMEOUT_MS = 70_000;
const READY_TIMEOUT_MS = 60_000;
// The worker logs this once its queue consumer and reconciler run.
const WORKER_READY_MESSAGE = '"msg":"worker ready"';
const QUIET_LEVELS = ['warn', 'error', 'fatal', 'silent'];

/** Starts the built API and resolves once `/health` answers. */
export async function startApi(options: StartApiOptions): Promise<SupervisedProcess> {
  const api = spawnApp('api', options, options.output);
  await waitUntilReady(api, {
    probe: () => httpAnswers(`${options.url}/health`),
    timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
  });
  return api;
}

/**
 * Starts one built worker and resolves once it logs that it is ready to take jobs, which it does at
 * `LOG_LEVEL` info or lower, in JSON (`LOG_FORMAT` json, the default when output is not a terminal).
 */
export async function startWorker(options: StartAppOptions): Promise<SupervisedProcess> {
  if (QUIET_LEVELS.includes(options.env.LOG_LEVEL ?? '')) {
    throw new Error(
      `startWorker needs LOG_LEVEL info, debug or trace to see the worker start, got ${options.env.LOG_LEVEL}`,
    );
  }
  if (options.env.LOG_FORMAT === 'pretty') {
    throw new Error(
      'startWorker reads JSON log lines to see the worker start: unset LOG_FORMAT or set it to json',
    );
  }
  let ready = false;
  const worker = spawnApp('worker', options, (line) => {
    if (line.includes(WORKER_READY_MESSAGE)) ready = true;
    options.output(line);
  });
  await waitUntilReady(worker, {
    probe: async () => ready,
    timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
  });
  return worker;
}

function spawnApp(app: 'api' | 'worker', options: StartAppOptions, lines: (line: string) => void) {
  return spawnProcess({
    name: options.name ?? app,
    command: process.execPath,
    args: [join(options.root, 'apps', app, 'dist', 'main.js')],
    cwd: options.root,
    env: options.env,
    output: { lines },
    stopTimeoutMs: APP_STOP_TIMEOUT_MS,
  });
}
