import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { folderSchema, quote } from './folder.js';

/** The error code of a cron expression or time zone that cannot run. */
export const SCHEDULE_ERROR_CODE = 'INVALID_SCHEDULE';

/** The time zone of a schedule that names none. */
export const DEFAULT_TIME_ZONE = 'UTC';

/**
 * What is wrong with a cron expression, or null. Five fields (minute hour day-of-month month
 * day-of-week) or six (seconds first), read by cron-parser, the parser BullMQ's job schedulers use.
 */
export function cronProblem(cron: string): string | null {
  const fields = cron
    .trim()
    .split(/\s+/)
    .filter((field) => field !== '');
  if (fields.length !== 5 && fields.length !== 6) {
    return `The cron expression must have 5 fields (minute hour day month weekday) or 6 (seconds first): got ${fields.length} in ${quote(cron)}`;
  }
  try {
    CronExpressionParser.parse(cron, { tz: DEFAULT_TIME_ZONE });
    return null;
  } catch (error) {
    return `The cron expression ${quote(cron)} cannot run: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** What is wrong with a time zone, or null: it must be an IANA name such as Europe/Paris. */
export function timeZoneProblem(tz: string): string | null {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return null;
  } catch {
    return `The time zone must be an IANA name such as Europe/Paris or UTC: got ${quote(tz)}`;
  }
}

/** When a schedule fires next after `from`. */
export function nextRunOf(cron: string, tz: string, from: Date = new Date()): Date {
  return CronExpressionParser.parse(cron, { tz, currentDate: from }).next().toDate();
}

function ruleSchema(
  problemOf: (value: string) => string | null,
  meta: { description: string; examples: string[] },
) {
  return z
    .string()
    .max(255)
    .check((ctx) => {
      const problem = problemOf(ctx.value);
      if (problem === null) return;
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: problem,
        params: { code: SCHEDULE_ERROR_CODE },
      });
    })
    .meta(meta);
}

export const cronSchema = ruleSchema(cronProblem, {
  description: 'a cron expression of 5 fields (minute hour day month weekday) or 6 (seconds first)',
  examples: ['0 3 * * *', '*/30 * * * * *'],
});

export const timeZoneSchema = ruleSchema(timeZoneProblem, {
  description: `an IANA time zone the cron expression is read in; ${DEFAULT_TIME_ZONE} when absent`,
  examples: ['Europe/Paris'],
});

/** A schedule as a client asks for it (`POST /schedules`). */
export const newScheduleSchema = z.object({
  folder: folderSchema,
  cron: cronSchema,
  tz: timeZoneSchema.optional(),
});
export type NewSchedule = z.infer<typeof newScheduleSchema>;

const isoDate = z.iso.datetime().describe('ISO-8601 UTC with milliseconds and Z');

/** A recurring backup of one folder. */
export const scheduleSchema = z
  .object({
    id: z.uuid(),
    folder: z.string().describe('relative to SOURCE_ROOT'),
    cron: z.string(),
    tz: z.string(),
    paused: z.boolean().describe('a paused schedule starts no backups until it is resumed'),
    createdAt: isoDate,
    updatedAt: isoDate,
    nextRunAt: isoDate.nullable().describe('when it fires next; null while paused'),
  })
  .meta({
    examples: [
      {
        id: '0b7f3c1e-5d2a-4f8e-9c61-3a4b5c6d7e8f',
        folder: 'photos/2024',
        cron: '0 3 * * *',
        tz: 'Europe/Paris',
        paused: false,
        createdAt: '2026-11-22T01:02:03.456Z',
        updatedAt: '2026-11-22T01:02:03.456Z',
        nextRunAt: '2026-11-23T02:00:00.000Z',
      },
    ],
  });
export type Schedule = z.infer<typeof scheduleSchema>;
