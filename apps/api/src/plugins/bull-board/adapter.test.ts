import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorResponse } from '@bull-board/api/dist/errors.js';
import type { AppControllerRoute } from '@bull-board/api/typings/app';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import errors from '../errors.js';
import { BoardAdapter } from './adapter.js';

describe("the dashboard's adapter", () => {
  let app: FastifyInstance;
  let folder: string;
  const spec: AppControllerRoute['spec'] = { summary: 'a route of the test', response: 'EmptyResponse' };
  const route = (url: string, handler: AppControllerRoute['handler']): AppControllerRoute => ({
    method: 'get',
    route: url,
    spec,
    handler,
  });

  // Bull Board's own answers, as its handlers give them, behind the API's error handler.
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'strongbox-board-'));
    const adapter = new BoardAdapter();
    adapter.setStaticPath('/static', folder).setViewsPath(folder);
    adapter.setEntryRoute({ method: 'get', route: '/', handler: () => ({ name: 'none', params: {} }) });
    adapter.setQueues(new Map());
    adapter.setErrorHandler();
    adapter.setApiRoutes([
      route('/read-only', () => errorResponse(405, 'ERRORS.QUEUE_READ_ONLY')),
      route('/active', () => errorResponse(409, 'ERRORS.JOB_IS_ACTIVE')),
      route('/forbidden', () => errorResponse(403, 'ERRORS.WORKERS_DISABLED')),
      route('/not-retriable', () =>
        errorResponse(400, { key: 'ERRORS.JOB_NOT_RETRIABLE', options: { state: 'active' } }),
      ),
      route('/broken', () => {
        throw new Error('redis said: READONLY You cannot write against a read only replica');
      }),
      route('/fine', () => ({ status: 200, body: { fine: true } })),
    ]);
    app = Fastify({ logger: false });
    await app.register(errors);
    await app.register(adapter.registerPlugin(), { prefix: '/board' });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await rm(folder, { recursive: true, force: true });
  });

  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url: `/board${url}` });
    return [response.statusCode, response.json()];
  };

  it('answers what Bull Board refuses with 403, 405 or 409 as 409 ACTION_REFUSED, in its own English words', async () => {
    expect(await get('/read-only')).toEqual([
      409,
      {
        statusCode: 409,
        error: 'Conflict',
        code: 'ACTION_REFUSED',
        message: 'Method not allowed on read only queue',
      },
    ]);
    expect(await get('/active')).toEqual([
      409,
      { statusCode: 409, error: 'Conflict', code: 'ACTION_REFUSED', message: 'Job is currently active' },
    ]);
    expect(await get('/forbidden')).toEqual([
      409,
      { statusCode: 409, error: 'Conflict', code: 'ACTION_REFUSED', message: 'Worker reporting is disabled' },
    ]);
  });

  it('answers its other 400s as 400 BAD_REQUEST, with the values its words take', async () => {
    expect(await get('/not-retriable')).toEqual([
      400,
      {
        statusCode: 400,
        error: 'Bad Request',
        code: 'BAD_REQUEST',
        message: 'Job is in "active" state and cannot be retried',
      },
    ]);
  });

  it('answers what it throws as 500 INTERNAL, naming the request id and nothing of the error', async () => {
    const [status, body] = await get('/broken');
    expect(status).toBe(500);
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      code: 'INTERNAL',
      message: expect.stringMatching(
        /^The server could not complete the request; its log has the details under request id req-\w+$/,
      ),
    });
  });

  it('leaves its other answers as they are', async () => {
    expect(await get('/fine')).toEqual([200, { fine: true }]);
  });
});
