import type { Schedule } from '../../api/types.js';
import type { Context } from '../../context.js';
import { describeSchedule } from '../../output/describe-schedule.js';
import { writeJson } from '../../output/write-json.js';

/** How a command that answers one schedule ends: its line, or the API's answer with --json. */
export function showSchedule(ctx: Context, schedule: Schedule): void {
  if (ctx.json) writeJson(ctx, schedule);
  else ctx.stdout.write(`${describeSchedule(schedule)}\n`);
}
