import { isUtf8 } from 'node:buffer';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error.js';

/** JSON, and a JSON merge patch (RFC 7396), which PATCH /folders/{folder}/policy takes. */
const JSON_TYPES = ['application/json', 'application/merge-patch+json'];

/**
 * JSON bodies must be UTF-8 (RFC 8259). Fastify's own parser decodes a body with broken bytes by
 * replacing them with U+FFFD, so `{"folder": "a<0xff>"}` would quietly name another folder: this
 * refuses such a body, then parses it as Fastify does (prototype poisoning refused).
 */
const jsonBody: FastifyPluginAsync = async (app) => {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) {
      done(
        new ApiError('INVALID_JSON', 'The request body is not valid UTF-8: JSON must be sent as UTF-8'),
        undefined,
      );
      return;
    }
    parseJson(request, bytes.toString('utf8'), done);
  });
};

export default fp(jsonBody, { name: 'json-body' });
