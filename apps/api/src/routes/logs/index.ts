import { insertLog, listLogs } from '@strongbox/db';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toProblem } from '../../errors/to-problem.js';
import { parseDateRange } from '../../lib/date-range.js';
import { limitSchema } from '../../schemas/job.js';

const bound = z.string().max(64).optional();

const querystring = z.object({
  from: bound.describe('YYYY-MM-DD (whole UTC day) or an ISO-8601 instant, inclusive'),
  to: bound.describe('YYYY-MM-DD (whole UTC day) or an ISO-8601 instant, inclusive'),
  start: bound.describe('the original design’s name for from'),
  end: bound.describe('the original design’s name for to'),
  action: z.string().max(100).optional().describe('e.g. Backup, Get Log, Get Stats'),
  status: z.enum(['SUCCESS', 'FAILED']).optional(),
  limit: limitSchema,
  cursor: z.string().max(200).optional(),
});

const logPage = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      date: z.string(),
      action: z.string().nullable(),
      parameter: z.string().nullable(),
      status: z.string().nullable(),
      jobId: z.string().nullable(),
      message: z.string().nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/**
 * GET /logs (and the original design's GET /log): the audit log, oldest first. Each call records a
 * `Get Log` row after its query, so the answer never contains its own row; a request refused for
 * its query (400) records a `FAILED` one.
 */
const logs: FastifyPluginAsyncZod = async (app) => {
  for (const url of ['/logs', '/log']) {
    app.get(
      url,
      {
        schema: { querystring, response: { 200: logPage } },
        onError: async (request, _reply, error) => {
          if (toProblem(error, request.id).statusCode !== 400) return;
          await insertLog(app.db, {
            action: 'Get Log',
            parameter: criteria(request),
            status: 'FAILED',
            message: error.message,
          }).catch((failure: unknown) =>
            request.log.warn({ err: failure }, 'could not record the Get Log row'),
          );
        },
      },
      async (request) => {
        const { limit, cursor, action, status } = request.query;
        const range = parseDateRange(request.query);
        const page = await listLogs(app.db, { ...range, action, status, limit, cursor });
        await insertLog(app.db, { action: 'Get Log', parameter: criteria(request), status: 'SUCCESS' });
        return page;
      },
    );
  }
};

/** What the client asked for, as it asked: the query string, or `all` without one. */
function criteria(request: FastifyRequest): string {
  const query = request.url.split('?')[1] ?? '';
  if (query === '') return 'all';
  try {
    return decodeURIComponent(query.replaceAll('+', ' '));
  } catch {
    return query;
  }
}

export default logs;
