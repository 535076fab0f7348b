import { newScheduleSchema, quote, type Schedule, scheduleSchema } from '@strongbox/contract';
import { deleteSchedule, getSchedule, insertSchedule, listSchedules, setSchedulePaused } from '@strongbox/db';
import { upsertScheduler } from '@strongbox/queue';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { isUuid } from '../../lib/uuid.js';
import { withTimeout } from '../../lib/with-timeout.js';
import { schedulePageSchema } from '../../schemas/components.js';
import { LOCATION_OF_SCHEDULE } from '../../schemas/headers.js';
import { limitSchema } from '../../schemas/job.js';
import { BODY_ERRORS, json, QUERY_ERRORS, responses, WRITE_ERRORS } from '../../schemas/problem.js';

const REDIS_TIMEOUT_MS = 2_000;

const params = z.object({ id: z.string().describe('the schedule id, a UUID') });

/**
 * Recurring backups. MySQL holds the schedules; each active one has a BullMQ job scheduler (same
 * id) whose ticks the workers turn into backup jobs. A change is made in MySQL first, then in
 * Redis; when Redis cannot be reached the answer is the same, and the workers' reconciler brings
 * the schedulers in line with MySQL within 30 s.
 */
const schedules: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/schedules',
    {
      schema: {
        operationId: 'createSchedule',
        summary: 'Create a recurring backup of a folder, or a recurring prune or check of the repository',
        description:
          'A schedule of kind `backup` (the default) backs up its folder. One of kind `prune` or `check` ' +
          '(no folder, or "") starts a prune or a check of the whole object repository, as ' +
          'POST /repository/prune and POST /repository/check do; a check schedule may carry `readData` ' +
          '("none", "all" or a percentage of the packs). A folder on a prune or check schedule, or ' +
          '`readData` on another kind: 400 INVALID_SCHEDULE. A prune or check schedule on a deployment ' +
          'on the local tree (REPOSITORY_URL unset): 409 NOT_OBJECT_REPOSITORY.',
        tags: ['schedules'],
        body: newScheduleSchema.meta({
          examples: [
            { folder: 'photos/2024', cron: '0 3 * * *', tz: 'Europe/Paris' },
            { kind: 'prune', cron: '0 4 * * *' },
            { kind: 'check', cron: '0 5 * * 0', readData: 10 },
          ],
        }),
        response: responses(
          {
            201: json('the schedule, created', scheduleSchema, {
              headers: { Location: LOCATION_OF_SCHEDULE },
            }),
          },
          ['INVALID_FOLDER', 'INVALID_SCHEDULE', 'NOT_OBJECT_REPOSITORY', ...BODY_ERRORS, ...WRITE_ERRORS],
        ),
      },
    },
    async (request, reply) => {
      const kind = request.body.kind ?? 'backup';
      if (kind !== 'backup' && app.repository.kind !== 'object')
        throw new ApiError(
          'NOT_OBJECT_REPOSITORY',
          `This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): a ${kind} schedule has nothing to act on`,
        );
      const schedule = await insertSchedule(app.db, request.body);
      request.log.info(
        { scheduleId: schedule.id, kind: schedule.kind, folder: schedule.folder, cron: schedule.cron },
        'schedule created',
      );
      await inRedis(request.log, schedule.id, () => upsertScheduler(app.ticks, schedule));
      return reply.code(201).header('Location', `/schedules/${schedule.id}`).send(schedule);
    },
  );

  app.get(
    '/schedules',
    {
      schema: {
        operationId: 'listSchedules',
        summary: 'List the schedules, oldest first',
        tags: ['schedules'],
        querystring: z.object({ limit: limitSchema, cursor: z.string().max(200).optional() }),
        response: responses({ 200: json('a page of schedules, oldest first', schedulePageSchema) }, [
          'INVALID_CURSOR',
          ...QUERY_ERRORS,
        ]),
      },
    },
    async (request) => listSchedules(app.db, request.query),
  );

  app.get(
    '/schedules/:id',
    {
      schema: {
        operationId: 'getSchedule',
        summary: 'Read one schedule',
        tags: ['schedules'],
        params,
        response: responses({ 200: json('the schedule', scheduleSchema) }, ['NOT_FOUND']),
      },
    },
    async (request) => findSchedule(app, request.params.id),
  );

  app.patch(
    '/schedules/:id',
    {
      schema: {
        operationId: 'updateSchedule',
        summary: 'Pause or resume a schedule; one that cannot run (see its error) can only be paused',
        tags: ['schedules'],
        params,
        body: z
          .object({ paused: z.boolean().describe('true pauses the schedule, false resumes it') })
          .strict()
          .meta({ examples: [{ paused: true }] }),
        response: responses({ 200: json('the schedule, paused or resumed', scheduleSchema) }, [
          'NOT_FOUND',
          'INVALID_SCHEDULE',
          ...BODY_ERRORS,
          ...WRITE_ERRORS,
        ]),
      },
    },
    async (request) => {
      const found = await findSchedule(app, request.params.id);
      // A row written by hand or by an older version may not be able to run: it stays as it is.
      if (!request.body.paused && found.error) throw new ApiError(found.error.code, found.error.message);
      const schedule = await setSchedulePaused(app.db, found.id, request.body.paused);
      if (!schedule) throw notFound(found.id);
      request.log.info({ scheduleId: schedule.id, paused: schedule.paused }, 'schedule updated');
      await inRedis(request.log, schedule.id, () =>
        schedule.paused ? app.ticks.removeJobScheduler(schedule.id) : upsertScheduler(app.ticks, schedule),
      );
      return schedule;
    },
  );

  app.delete(
    '/schedules/:id',
    {
      schema: {
        operationId: 'deleteSchedule',
        summary: 'Delete a schedule; the jobs it started stay, with their scheduleId',
        tags: ['schedules'],
        params,
        response: responses({ 204: z.null().describe('deleted; no body') }, ['NOT_FOUND', ...WRITE_ERRORS]),
      },
    },
    async (request, reply) => {
      const found = await findSchedule(app, request.params.id);
      if (!(await deleteSchedule(app.db, found.id))) throw notFound(found.id);
      request.log.info({ scheduleId: found.id }, 'schedule deleted');
      await inRedis(request.log, found.id, () => app.ticks.removeJobScheduler(found.id));
      return reply.code(204).send(null);
    },
  );
};

async function findSchedule(app: FastifyInstance, id: string): Promise<Schedule> {
  const schedule = isUuid(id) ? await getSchedule(app.db, id.toLowerCase()) : null;
  if (!schedule) throw notFound(id);
  return schedule;
}

function notFound(id: string): ApiError {
  return new ApiError('NOT_FOUND', `There is no schedule with id ${quote(id, 40)}`);
}

// MySQL already holds the change; Redis follows now, or from the reconciler when it cannot.
async function inRedis(
  log: FastifyBaseLogger,
  scheduleId: string,
  change: () => Promise<unknown>,
): Promise<void> {
  try {
    await withTimeout(change(), REDIS_TIMEOUT_MS, 'Redis');
  } catch (error) {
    log.warn({ err: error, scheduleId }, 'could not update the schedule in Redis; the reconciler will');
  }
}

export default schedules;
