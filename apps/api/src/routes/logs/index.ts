import { logStatusSchema } from '@strongbox/contract';
import { listLogs } from '@strongbox/db';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toProblem } from '../../errors/to-problem.js';
import { parseDateRange } from '../../lib/date-range.js';
import { logPageSchema } from '../../schemas/components.js';
import { limitSchema } from '../../schemas/job.js';
import { json, QUERY_ERRORS, responses } from '../../schemas/problem.js';

const bound = z.string().max(64).optional();

const querystring = z.object({
  from: bound
    .describe('YYYY-MM-DD (whole UTC day) or an ISO-8601 instant, inclusive')
    .meta({ examples: ['2026-11-22'] }),
  to: bound
    .describe('YYYY-MM-DD (whole UTC day) or an ISO-8601 instant, inclusive')
    .meta({ examples: ['2026-11-22T12:00:00Z'] }),
  start: bound.describe('the original design’s name for from'),
  end: bound.describe('the original design’s name for to'),
  startdate: bound.describe('the original design’s other name for from'),
  enddate: bound.describe('the original design’s other name for to'),
  action: z.string().max(100).optional().describe('e.g. Backup, Get Log, Get Stats'),
  status: logStatusSchema.optional(),
  limit: limitSchema,
  cursor: z.string().max(200).optional(),
});

/**
 * GET /logs (and the original design's GET /log): the audit log, oldest first. Each call records a
 * `Get Log` row after its query, so the answer never contains its own row; a request refused for
 * its query (400) records a `FAILED` one. Rows are written in batches (lib/audit-writer.ts).
 */
const logs: FastifyPluginAsyncZod = async (app) => {
  for (const url of ['/logs', '/log']) {
    app.get(
      url,
      {
        schema: {
          operationId: url === '/logs' ? 'listLogs' : 'listLog',
          summary:
            url === '/logs'
              ? 'Read the audit log, oldest first'
              : "Read the audit log (the original design's name)",
          tags: ['logs'],
          querystring,
          response: responses({ 200: json('a page of log rows, oldest first', logPageSchema) }, [
            'INVALID_DATE_RANGE',
            'INVALID_CURSOR',
            ...QUERY_ERRORS,
          ]),
        },
        onError: async (request, _reply, error) => {
          if (toProblem(error, request.id).statusCode !== 400) return;
          app.audit.record({
            action: 'Get Log',
            parameter: criteria(request),
            status: 'FAILED',
            message: error.message,
          });
        },
      },
      async (request) => {
        const { limit, cursor, action, status } = request.query;
        const range = parseDateRange(request.query);
        const page = await listLogs(app.db, { ...range, action, status, limit, cursor });
        app.audit.record({ action: 'Get Log', parameter: criteria(request), status: 'SUCCESS' });
        return page;
      },
    );
  }
};

/**
 * What the client asked for, as it asked: the query string, decoded, or `all` without one. A
 * secret put into it becomes `[REDACTED]` when the row is written (packages/db, logs/insert-log.ts).
 */
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
