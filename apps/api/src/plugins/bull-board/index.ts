import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { problemHeaders, toProblem } from '../../errors/to-problem.js';
import { BoardAdapter } from './adapter.js';
import { applyRules } from './guard.js';
import { PAGE_SCRIPT, PAGE_SCRIPT_PATH, withPageScript } from './page-script.js';

export const BOARD_PATH = '/admin/queues';

// Bull Board's page asks Google for its fonts; this server's CSP (and many networks) refuse that,
// and the page reads well in the browser's own fonts.
const FONT_LINK = /<link href="https:\/\/fonts\.googleapis\.com[^>]*>/g;

/**
 * Bull Board at /admin/queues: the `jobs` queue (a job's name is its kind, its id the Strongbox
 * job id, its data the id and folder, and each links to `GET /backups/{id}`) and the `schedules`
 * queue of schedule ticks, and the `webhooks` queue of deliveries, read-only (a delivery is the
 * worker's to retry). Its actions go through the API's rules first ({@link applyRules}).
 */
const bullBoard: FastifyPluginAsync = async (app) => {
  const readOnlyMode = app.config.bullBoardReadOnly;
  const serverAdapter = new BoardAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  const jobs = new BullMQAdapter(app.queue, {
    readOnlyMode,
    allowRetries: !readOnlyMode,
    description: 'Backup, verify and restore jobs: name = kind, id = Strongbox job id (GET /backups/{id})',
    externalJobUrl: (job) => ({ displayText: `GET /backups/${job.id}`, href: `/backups/${job.id}` }),
  });
  jobs.setFormatter('name', (job) => `${job.name} ${job.data?.folder ?? ''}`.trim());
  const ticks = new BullMQAdapter(app.ticks, {
    readOnlyMode,
    allowRetries: !readOnlyMode,
    description: 'Ticks of the schedules (GET /schedules): each one starts a backup',
  });
  // Read-only whatever BULL_BOARD_READ_ONLY says: a delivery has no "run again" through the API's
  // rules, and the worker retries a failed one itself (applyRules refuses any change to it).
  const webhooks = new BullMQAdapter(app.webhooks, {
    readOnlyMode: true,
    allowRetries: false,
    description: 'Deliveries of job ends to the webhooks (GET /webhooks/{id}/deliveries): read-only',
  });
  createBullBoard({
    queues: [jobs, ticks, webhooks],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Strongbox' } },
  });

  await app.register(async (board) => {
    board.addHook('preHandler', async (request, reply) => {
      try {
        const outcome = await applyRules(app, {
          method: request.method,
          route: (request.routeOptions.url ?? '').slice(BOARD_PATH.length),
          params: request.params as Record<string, string>,
          log: request.log,
        });
        if (outcome !== 'go on') return reply.code(outcome.statusCode).send(outcome.body);
      } catch (error) {
        return refuse(app, reply, error);
      }
    });
    board.addHook('onSend', async (_request, reply, payload) => {
      if (typeof payload !== 'string' || !String(reply.getHeader('content-type')).startsWith('text/html')) {
        return payload;
      }
      return withPageScript(payload.replace(FONT_LINK, ''), BOARD_PATH);
    });
    board.get(`${BOARD_PATH}${PAGE_SCRIPT_PATH}`, { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').send(PAGE_SCRIPT),
    );
    await board.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
  });
};

// Bull Board handles the errors of its routes itself: a refusal is answered here, in our shape.
function refuse(app: FastifyInstance, reply: FastifyReply, error: unknown): FastifyReply {
  const problem = toProblem(error, reply.request.id);
  if (problem.statusCode >= 500) app.log.error({ err: error }, 'dashboard action failed');
  else reply.request.log.info({ code: problem.code, reason: problem.message }, 'dashboard action refused');
  return reply.code(problem.statusCode).headers(problemHeaders(problem)).send(problem);
}

export default fp(bullBoard, { name: 'bull-board', dependencies: ['deps', 'auth'] });
