import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { Answer } from '../schemas/problem.js';
import { WILDCARD_PARAMETER } from './openapi-path.js';

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI objects are walked as plain JSON here.
type Json = any;

const zodTransform = createJsonSchemaTransform({});
const zodTransformObject = createJsonSchemaTransformObject({});

/**
 * Each route's part of the OpenAPI document: fastify-type-provider-zod's JSON schemas (with `$ref`s
 * to the named components), plus what it leaves out of an {@link Answer}: the headers of each answer
 * and its examples, by name. The wildcard of `POST /backup/*` becomes a parameter named `folder`, so
 * that the path is `/backup/{folder}`, which tools can route.
 */
export const transform: SwaggerTransform = (document) => {
  const { schema, url } = zodTransform(document) as { schema: Json; url: string };
  if (!schema || schema.hide) return { schema, url };
  const answers = (document.schema?.response ?? {}) as Record<string, unknown>;
  for (const [status, answer] of Object.entries(answers)) {
    if (!isAnswer(answer)) continue;
    const documented = schema.response[status];
    if (answer.headers) documented.headers = answer.headers;
    if (answer.examples) {
      for (const media of Object.values<Json>(documented.content)) {
        media.examples = Object.fromEntries(
          Object.entries(answer.examples).map(([name, value]) => [name, { value }]),
        );
      }
    }
  }
  if (!url.endsWith('*')) return { schema, url };
  // A route without a params schema (the GET answered 405) gets one generated from the URL.
  const params = schema.params;
  if (params?.properties?.['*']) {
    params.properties = { [WILDCARD_PARAMETER]: params.properties['*'] };
    params.required = [WILDCARD_PARAMETER];
  }
  return { schema, url: `${url.slice(0, -1)}:${WILDCARD_PARAMETER}` };
};

/**
 * The whole document: the named components (`components/schemas`) that the operations refer to,
 * and only those, each under the name it was given (fastify-type-provider-zod names a request body
 * schema `NameInput`; it keeps `Name` here when no answer uses that name).
 */
export const transformObject: SwaggerTransformObject = (document) => {
  const openapi: Json = zodTransformObject(document);
  const schemas: Record<string, Json> = openapi.components?.schemas ?? {};
  const used = referenced({ paths: openapi.paths }, schemas);
  const renames = new Map<string, string>();
  for (const name of used) {
    const plain = name.replace(/Input$/, '');
    if (plain !== name && !used.has(plain)) renames.set(name, plain);
  }
  const kept = Object.fromEntries([...used].sort().map((name) => [renames.get(name) ?? name, schemas[name]]));
  const text = JSON.stringify({ ...openapi, components: { ...openapi.components, schemas: kept } });
  return JSON.parse(text, (key, value) =>
    key === '$ref' && typeof value === 'string'
      ? value.replace(/[^/]+$/, (name) => renames.get(name) ?? name)
      : value,
  );
};

function isAnswer(value: unknown): value is Answer {
  return typeof value === 'object' && value !== null && 'content' in value && 'description' in value;
}

// The names of the components `root` refers to, directly or through other components.
function referenced(root: Json, schemas: Record<string, Json>): Set<string> {
  const found = new Set<string>();
  const visit = (value: Json): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')) {
        const name = child.slice('#/components/schemas/'.length);
        if (!found.has(name)) {
          found.add(name);
          visit(schemas[name]);
        }
      } else {
        visit(child);
      }
    }
  };
  visit(root);
  return found;
}
