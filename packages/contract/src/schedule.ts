import { CronExpressionParser, type CronFieldCollection, CronMonth } from 'cron-parser';
import { z } from 'zod';
import { folderSchema, quote } from './folder.js';
import { checkParamsSchema } from './job.js';

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

/**
 * How far ahead a schedule must fire. 29 February, the rarest day a schedule can name, waits at most
 * 8 years (2096 to 2104), so every schedule of calendar days fits; one that fires later or never
 * (31 February, the 5th Monday of February: 2044, then 2072) is refused.
 */
export const SCHEDULE_HORIZON_YEARS = 10;

/** When a schedule fires next, or what stops it from firing. */
export type NextRun = { at: Date; problem: null } | { at: null; problem: string };

/**
 * When a schedule fires next after `from`, or why it cannot: a cron expression or time zone that
 * cannot be read, days of the month that none of its months has (31 February or April), or no run
 * within {@link SCHEDULE_HORIZON_YEARS} years. The search ends at that horizon: cron-parser steps
 * a day at a time through days that do not match, so it takes a few thousand steps at most, whatever
 * the expression (without an end it gives up only after 10,000, about a second of CPU). Never throws.
 */
export function nextRunOf(cron: string, tz: string, from: Date = new Date()): NextRun {
  const problem = cronProblem(cron) ?? timeZoneProblem(tz);
  if (problem !== null) return { at: null, problem };
  const endDate = new Date(from);
  endDate.setUTCFullYear(endDate.getUTCFullYear() + SCHEDULE_HORIZON_YEARS);
  try {
    const expression = CronExpressionParser.parse(cron, { tz, currentDate: from, endDate });
    const missing = missingDays(expression.fields);
    if (missing !== null)
      return { at: null, problem: `The cron expression ${quote(cron)} never fires: ${missing}` };
    return { at: expression.next().toDate(), problem: null };
  } catch {
    // Past the end (or, were the horizon ever longer, past cron-parser's own limit of steps).
    return {
      at: null,
      problem: `The cron expression ${quote(cron)} does not fire within the next ${SCHEDULE_HORIZON_YEARS} years (time zone ${tz})`,
    };
  }
}

/**
 * Why the days of the month can never come, or null. cron-parser refuses a day that its one month
 * lacks (`0 0 30 2 *`) but not one that several lack (`0 0 31 2,4 *`): that costs a search to the
 * horizon, and says less. A day of the week named too rescues the expression (the two combine with OR).
 */
function missingDays({ dayOfMonth, month, dayOfWeek }: CronFieldCollection): string | null {
  if (!dayOfWeek.isWildcard || dayOfMonth.hasLastChar) return null;
  const days = dayOfMonth.values.flatMap((day) => (day === 'L' ? [] : [day]));
  const lengths = month.values.map((m) => CronMonth.daysInMonth[m - 1] ?? 31);
  if (!days.every((day) => lengths.every((length) => day > length))) return null;
  return `none of its months (${month.values.join(', ')}) has a day ${days.join(' or ')}`;
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

/** What a schedule starts: a backup of its folder, or a prune or a check of the whole repository. */
export const SCHEDULE_KINDS = ['backup', 'prune', 'check'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

const scheduleKindSchema = z
  .enum(SCHEDULE_KINDS)
  .describe('backup (of its folder), or prune or check of the whole object repository');

const readDataSchema = checkParamsSchema.shape.readData.describe(
  'check schedules only: "none" (the default), "all" (read every pack whole) or N, a percentage of the packs',
);

/**
 * A schedule as a client asks for it (`POST /schedules`): its cron expression must also fire within
 * {@link SCHEDULE_HORIZON_YEARS} years in its time zone, checked once both can be read. A backup
 * schedule (the default kind) names a folder, checked by the folder rule; a prune or check schedule
 * names none (absent or ""), and only a check one may say how much pack data it reads.
 */
export const newScheduleSchema = z
  .object({
    kind: scheduleKindSchema.optional(),
    folder: z
      .string()
      .optional()
      .describe(
        'relative to SOURCE_ROOT, e.g. photos/2024; a backup schedule needs one, a prune or check has none',
      ),
    cron: cronSchema,
    tz: timeZoneSchema.optional(),
    readData: readDataSchema.optional(),
  })
  .check((ctx) => {
    const { kind = 'backup', folder, readData } = ctx.value;
    const refuse = (path: string, message: string, code?: string): void => {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: [path],
        message,
        ...(code === undefined ? {} : { params: { code } }),
      });
    };
    if (kind === 'backup') {
      if (folder === undefined) return refuse('folder', 'A backup schedule needs a folder');
      const parsed = folderSchema.safeParse(folder);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          refuse('folder', issue.message, (issue as { params?: { code?: string } }).params?.code);
        return;
      }
    } else if (folder !== undefined && folder !== '') {
      return refuse(
        'folder',
        `A ${kind} schedule acts on the whole repository and has no folder: got ${quote(folder)}`,
        SCHEDULE_ERROR_CODE,
      );
    }
    if (readData !== undefined && kind !== 'check')
      return refuse(
        'readData',
        `Only a check schedule reads pack data: got readData on a ${kind} schedule`,
        SCHEDULE_ERROR_CODE,
      );
    const { problem } = nextRunOf(ctx.value.cron, ctx.value.tz ?? DEFAULT_TIME_ZONE);
    if (problem !== null) refuse('cron', problem, SCHEDULE_ERROR_CODE);
  });
export type NewSchedule = z.infer<typeof newScheduleSchema>;

const isoDate = z.iso.datetime().describe('ISO-8601 UTC with milliseconds and Z');

/** A recurring backup of one folder, or a recurring prune or check of the repository. */
export const scheduleSchema = z
  .object({
    id: z.uuid(),
    kind: scheduleKindSchema,
    folder: z.string().describe('relative to SOURCE_ROOT; "" for a prune or check schedule'),
    readData: readDataSchema
      .nullable()
      .describe('what a check schedule reads of the packs; null for the other kinds'),
    cron: z.string(),
    tz: z.string(),
    paused: z.boolean().describe('a paused schedule starts no backups until it is resumed'),
    createdAt: isoDate,
    updatedAt: isoDate,
    nextRunAt: isoDate
      .nullable()
      .describe(`when it fires next; null while paused, or when it cannot run (see error)`),
    error: z
      .object({
        code: z.literal(SCHEDULE_ERROR_CODE),
        message: z.string().describe('why it cannot run, in the words of a refused POST'),
      })
      .nullable()
      .describe(
        `null when it can run; otherwise why not: a schedule recorded by hand or by an older version whose cron expression or time zone cannot be read, or that does not fire within ${SCHEDULE_HORIZON_YEARS} years. It starts no backups, and cannot be resumed; pause, delete or replace it`,
      ),
  })
  .meta({
    examples: [
      {
        id: '0b7f3c1e-5d2a-4f8e-9c61-3a4b5c6d7e8f',
        kind: 'backup',
        folder: 'photos/2024',
        readData: null,
        cron: '0 3 * * *',
        tz: 'Europe/Paris',
        paused: false,
        createdAt: '2026-11-22T01:02:03.456Z',
        updatedAt: '2026-11-22T01:02:03.456Z',
        nextRunAt: '2026-11-23T02:00:00.000Z',
        error: null,
      },
    ],
  });
export type Schedule = z.infer<typeof scheduleSchema>;
