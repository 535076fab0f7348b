import { Validator } from '@seriousme/openapi-schema-validator';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceApp } from '../app.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

// What the dashboard and Swagger UI serve for themselves: pages and their assets, not the API.
const NOT_API = ['/admin/queues', '/docs'];

// @fastify/swagger moves a schema's examples beside it, into the media type.
interface Media {
  schema: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('the OpenAPI document', () => {
  let t: TestApp;
  let app: FastifyInstance;
  const routes: { method: string; url: string }[] = [];
  let document: Document;

  beforeAll(async () => {
    t = await startTestApp();
    // The API as main.ts builds it, with a hook that sees every route it registers.
    app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    });
    await app.register(serviceApp, {
      config: t.config,
      db: t.db,
      queue: t.queue,
      ticks: t.ticks,
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
    const api = routes.filter(
      (route) => route.method !== 'HEAD' && !NOT_API.some((prefix) => route.url.startsWith(prefix)),
    );
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
    const codeEnum = (path: string, method: string, status: string) => {
      const schema = document.paths[path]?.[method]?.responses[status]?.content?.['application/json']
        ?.schema as {
        properties: { code: { enum: string[] } };
      };
      return schema.properties.code.enum;
    };
    expect(codeEnum('/schedules', 'post', '400')).toEqual(
      expect.arrayContaining(['INVALID_FOLDER', 'INVALID_SCHEDULE', 'VALIDATION', 'INVALID_JSON']),
    );
    expect(codeEnum('/backups/{id}', 'get', '404')).toEqual(['NOT_FOUND']);
    expect(codeEnum('/backups/{id}', 'delete', '409')).toEqual(['JOB_NOT_CANCELLABLE']);
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

// Fastify's `/backups/:id` and `/backup/*` as OpenAPI writes them.
function openapiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}');
}
