import { randomBytes } from 'node:crypto';
import {
  createdWebhookSchema,
  newWebhookSchema,
  quote,
  type Webhook,
  webhookSchema,
} from '@strongbox/contract';
import { deleteWebhook, getWebhook, insertWebhook, listDeliveries, listWebhooks } from '@strongbox/db';
import { resolveWebhookTarget, WebhookTargetError } from '@strongbox/queue';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { isUuid } from '../../lib/uuid.js';
import { deliveryPageSchema, webhookPageSchema } from '../../schemas/components.js';
import { LOCATION_OF_WEBHOOK } from '../../schemas/headers.js';
import { limitSchema } from '../../schemas/job.js';
import { BODY_ERRORS, json, QUERY_ERRORS, responses, WRITE_ERRORS } from '../../schemas/problem.js';

const params = z.object({ id: z.string().describe('the webhook id, a UUID') });
const pageQuery = z.object({ limit: limitSchema, cursor: z.string().max(200).optional() });

/**
 * Webhooks: where the end of a job is told. The URL is checked when the webhook is created (http or
 * https, and no private address unless WEBHOOK_ALLOW_PRIVATE=true), and again by the worker before
 * each delivery. The secret is answered once, by the creation; no read answers it again.
 */
const webhooks: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/webhooks',
    {
      schema: {
        operationId: 'createWebhook',
        summary: 'Register a URL that is told when jobs end (answers its secret, this once)',
        tags: ['webhooks'],
        body: newWebhookSchema.meta({
          examples: [{ url: 'https://hooks.example.com/strongbox', events: ['backup.failed'] }],
        }),
        response: responses(
          {
            201: json('the webhook, created, with its secret', createdWebhookSchema, {
              headers: { Location: LOCATION_OF_WEBHOOK },
            }),
          },
          [
            'INVALID_WEBHOOK_URL',
            'WEBHOOK_URL_UNRESOLVED',
            'WEBHOOK_URL_PRIVATE',
            'INVALID_FOLDER',
            ...BODY_ERRORS,
            ...WRITE_ERRORS,
          ],
        ),
      },
    },
    async (request, reply) => {
      const { url, events, folder, secret } = request.body;
      try {
        await resolveWebhookTarget(url, { allowPrivate: app.config.webhookAllowPrivate });
      } catch (error) {
        if (error instanceof WebhookTargetError) throw new ApiError(error.code, error.message);
        throw error;
      }
      const webhook = await insertWebhook(app.db, {
        url,
        events,
        folder: folder ?? null,
        secret: secret ?? randomBytes(32).toString('hex'),
      });
      // The URL may carry a token of the receiver's in its path or query: logged by its origin only.
      request.log.info(
        {
          webhookId: webhook.id,
          origin: new URL(url).origin,
          events: webhook.events,
          folder: webhook.folder,
        },
        'webhook created',
      );
      return reply.code(201).header('Location', `/webhooks/${webhook.id}`).send(webhook);
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        operationId: 'listWebhooks',
        summary: 'List the webhooks, oldest first (without their secrets)',
        tags: ['webhooks'],
        querystring: pageQuery,
        response: responses({ 200: json('a page of webhooks, oldest first', webhookPageSchema) }, [
          'INVALID_CURSOR',
          ...QUERY_ERRORS,
        ]),
      },
    },
    async (request) => listWebhooks(app.db, request.query),
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        operationId: 'getWebhook',
        summary: 'Read one webhook (without its secret)',
        tags: ['webhooks'],
        params,
        response: responses({ 200: json('the webhook', webhookSchema) }, ['NOT_FOUND']),
      },
    },
    async (request) => findWebhook(app, request.params.id),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook and its delivery log; deliveries still queued for it are dropped',
        tags: ['webhooks'],
        params,
        response: responses({ 204: z.null().describe('deleted; no body') }, ['NOT_FOUND', ...WRITE_ERRORS]),
      },
    },
    async (request, reply) => {
      const found = await findWebhook(app, request.params.id);
      if (!(await deleteWebhook(app.db, found.id))) throw notFound(found.id);
      request.log.info({ webhookId: found.id }, 'webhook deleted');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: "A webhook's delivery log: every attempt, newest first",
        tags: ['webhooks'],
        params,
        querystring: pageQuery,
        response: responses(
          { 200: json("a page of the webhook's delivery attempts, newest first", deliveryPageSchema) },
          ['NOT_FOUND', 'INVALID_CURSOR', ...QUERY_ERRORS],
        ),
      },
    },
    async (request) => {
      const found = await findWebhook(app, request.params.id);
      return listDeliveries(app.db, found.id, request.query);
    },
  );
};

async function findWebhook(app: FastifyInstance, id: string): Promise<Webhook> {
  const webhook = isUuid(id) ? await getWebhook(app.db, id.toLowerCase()) : null;
  if (!webhook) throw notFound(id);
  return webhook;
}

function notFound(id: string): ApiError {
  return new ApiError('NOT_FOUND', `There is no webhook with id ${quote(id, 40)}`);
}

export default webhooks;
