import { Validator } from '@seriousme/openapi-schema-validator';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceApp } from '../app.js';
import { openapiPath } from '../lib/openapi-path.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

// @fastify/swagger moves a schema's examples beside it, into the media type.
interface Media {
  schema: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<
    string,
    { description: string; headers?: Record<string, unknown>; content?: Record<string, Media> }
  >;
}
type Document = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

describe('the OpenAPI document', () => {
  let t: TestApp;
  let app: FastifyInstance;
  const routes: { method: string; url: string; hidden: boolean }[] = [];
  let document: Document;

  beforeAll(async () => {
    t = await startTestApp();
    // The API as main.ts builds it, with a hook that sees every route it registers.
    app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook('onRoute', (route) => {
      // No schema, or a hidden one: the dashboard's and Swagger UI's pages and assets, and the GETs
      // answered 405, which API.md describes.
      const hidden = !route.schema || (route.schema as { hide?: boolean }).hide === true;
      for (const method of [route.method].flat()) routes.push({ method, url: route.url, hidden });
    });
    await app.register(serviceApp, {
      config: t.config,
      db: t.db,
      queue: t.queue,
      ticks: t.ticks,
      webhooks: t.webhooks,
      redis: t.redis,
    });
    await app.ready();
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json();
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('documents every route the API registers', () => {
    const api = routes.filter((route) => route.method !== 'HEAD' && !route.hidden);
    // Enough to know the hook saw the routes: the job routes, schedules, logs, health, metrics.
    expect(api.length).toBeGreaterThanOrEqual(20);
    const missing = api.filter(
      ({ method, url }) => !document.paths[openapiPath(url)]?.[method.toLowerCase()],
    );
    expect(missing).toEqual([]);
  });

  it('lists 401, 429 and 500 on every operation, and the codes of each error with examples', () => {
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (path === '/health') continue;
        for (const status of ['401', '429', '500']) {
          expect(operation.responses[status], `${where} ${status}`).toBeDefined();
        }
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          const media = response.content?.['application/json'];
          const examples = media?.examples
            ? Object.values(media.examples).map((e) => e.value)
            : [media?.example];
          expect(examples.length, `${where} ${status} has examples`).toBeGreaterThan(0);
          // An error body, or for `?wait` a failed job, or the readiness checks of /ready.
          for (const example of examples as Record<string, unknown>[]) {
            const shape = example?.code
              ? 'error'
              : example?.kind
                ? 'job'
                : example?.checks
                  ? 'checks'
                  : 'none';
            expect(shape, `${where} ${status}: ${JSON.stringify(example)}`).not.toBe('none');
            if (shape === 'error') expect(example.statusCode).toBe(Number(status));
          }
        }
      }
    }
  });

  it('names the error codes a route answers: INVALID_SCHEDULE on POST /schedules, NOT_FOUND on GET /backups/{id}', () => {
    // A `Problem`, with `code` narrowed to the codes of that route and status.
    const codeEnum = (path: string, method: string, status: string) => {
      const schema = document.paths[path]?.[method]?.responses[status]?.content?.['application/json']
        ?.schema as { allOf: [{ $ref: string }, { properties: { code: { enum: string[] } } }] };
      expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/Problem' });
      return schema.allOf[1].properties.code.enum;
    };
    expect(codeEnum('/schedules', 'post', '400')).toEqual(
      expect.arrayContaining(['INVALID_FOLDER', 'INVALID_SCHEDULE', 'VALIDATION', 'INVALID_JSON']),
    );
    expect(codeEnum('/backups/{id}', 'get', '404')).toEqual(['NOT_FOUND']);
    expect(codeEnum('/backups/{id}', 'delete', '409')).toEqual(['JOB_NOT_CANCELLABLE']);
  });

  it('names the shapes clients use as components, and refers to them', () => {
    const names = Object.keys(document.components.schemas);
    expect(names).toEqual(
      expect.arrayContaining([
        'Job',
        'BackupJob',
        'BackupResult',
        'JobPage',
        'LogPage',
        'Stats',
        'Schedule',
        'Problem',
        'FolderSummary',
        'FolderPage',
        'Folder',
        'FolderPolicy',
        'PolicyBody',
        'PolicyPatch',
      ]),
    );
    const created = document.paths['/backups']?.post?.responses['202']?.content?.['application/json'];
    expect(created?.schema).toEqual({ $ref: '#/components/schemas/Job' });
    const backupResult = JSON.stringify(document.components.schemas.BackupResult);
    for (const field of ['copiedFiles', 'copiedBytes', 'skipped', 'warnings'])
      expect(backupResult).toContain(field);
    // Inlined, the job object made the document 494 KB; with every shape named it is about 250 KB
    // with the folder, policy, webhook and maintenance routes (five job kinds in one union).
    expect(JSON.stringify(document).length).toBeLessThan(300_000);
  });

  it('gives every operation a unique operationId and a description of each answer', () => {
    const ids: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
        ids.push(operation.operationId as string);
        for (const [status, response] of Object.entries(operation.responses)) {
          expect(response.description, `${method} ${path} ${status}`).not.toBe('Default Response');
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has servers, routes the folder of POST /backup/{folder} as a named parameter, and opens /health', () => {
    expect(document.servers?.map((server) => server.url)).toEqual(['/', 'http://127.0.0.1:3000']);
    expect(Object.keys(document.paths).filter((path) => path.includes('*'))).toEqual([]);
    const original = document.paths['/backup/{folder}']?.post;
    expect(original?.parameters?.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(['folder']);
    expect(document.paths['/health']?.get?.security).toEqual([]);
    expect(document.paths['/ready']?.get?.security).toBeUndefined();
  });

  it('documents Location, Link and Retry-After where the API sends them', () => {
    const headersOf = (path: string, method: string, status: string) =>
      Object.keys(document.paths[path]?.[method]?.responses[status]?.headers ?? {});
    for (const path of [
      '/backups',
      '/backup/{folder}',
      '/backup',
      '/',
      '/backups/{id}/verify',
      '/backups/{id}/restore',
    ]) {
      expect(headersOf(path, 'post', '202'), path).toEqual(['Location']);
      expect(headersOf(path, 'post', '200'), path).toEqual(['Location']);
    }
    expect(headersOf('/schedules', 'post', '201')).toEqual(['Location']);
    expect(headersOf('/backups/{id}', 'get', '200')).toEqual(['Link']);
    expect(headersOf('/stats', 'get', '429')).toEqual(['Retry-After']);
    expect(headersOf('/stats', 'get', '401')).toEqual(['WWW-Authenticate']);
  });

  // `npm run openapi` writes the file (vitest --update) and the CLI's types from it.
  it('equals the committed apps/api/openapi.json, which tools read', async () => {
    await expect(`${JSON.stringify(document, null, 2)}\n`).toMatchFileSnapshot('../../openapi.json');
  });

  it('gives examples of bodies and documents parameters and the Idempotency-Key header', () => {
    const create = document.paths['/backups']?.post;
    expect(create?.requestBody?.content['application/json']?.example).toEqual({ folder: 'photos/2024' });
    expect(create?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:wait', 'header:idempotency-key']),
    );
    const logs = document.paths['/logs']?.get;
    expect(logs?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['from', 'to', 'start', 'end', 'action', 'status', 'limit', 'cursor']),
    );
  });

  it('serves Swagger UI at /docs', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('swagger-ui');
  });
});
