import { statsSchema } from '@strongbox/contract';
import { getStats } from '@strongbox/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { json, responses } from '../../schemas/problem.js';

/** GET /stats (and the original design's GET /stat): totals over backups; records `Get Stats`
 * (written in a batch within AUDIT_FLUSH_MS, see lib/audit-writer.ts). */
const stats: FastifyPluginAsyncZod = async (app) => {
  for (const url of ['/stats', '/stat']) {
    const summary =
      url === '/stats' ? 'Totals over backups' : "Totals over backups (the original design's name)";
    const schema = {
      operationId: url === '/stats' ? 'getStats' : 'getStat',
      summary,
      tags: ['stats'],
      response: responses({ 200: json('totals over backups', statsSchema) }, []),
    };
    app.get(url, { schema }, async () => {
      const totals = await getStats(app.db);
      app.audit.record({ action: 'Get Stats', parameter: null, status: 'SUCCESS' });
      return totals;
    });
  }
};

export default stats;
