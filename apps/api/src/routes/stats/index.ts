import { getStats, insertLog } from '@strongbox/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const count = z.number().int();

const statsSchema = z.object({
  backups: z.object({
    total: count,
    succeeded: count,
    failed: count,
    queued: count,
    running: count,
    cancelled: count,
  }),
  bytesCopied: z.number(),
  filesCopied: z.number(),
  lastSuccessAt: z.string().nullable(),
});

/** GET /stats (and the original design's GET /stat): totals over backups; records `Get Stats`. */
const stats: FastifyPluginAsyncZod = async (app) => {
  for (const url of ['/stats', '/stat']) {
    app.get(url, { schema: { response: { 200: statsSchema } } }, async () => {
      const totals = await getStats(app.db);
      await insertLog(app.db, { action: 'Get Stats', parameter: null, status: 'SUCCESS' });
      return totals;
    });
  }
};

export default stats;
