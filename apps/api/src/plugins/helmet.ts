import helmet from '@fastify/helmet';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Helmet's security headers on every answer, with a Content Security Policy that lets the two
 * pages this API serves (Bull Board at /admin/queues, Swagger UI at /docs) load: scripts only from
 * this server, styles from this server and inline (both pages set styles inline), images from this
 * server and `data:` URLs. No upgrade-insecure-requests: the API may well be served over plain HTTP
 * on a private network, where it would break both pages.
 */
const headers: FastifyPluginAsync = async (app) => {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
  });
};

export default fp(headers, { name: 'helmet' });
