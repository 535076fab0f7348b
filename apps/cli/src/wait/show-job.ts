import type { Job } from '../api/types.js';
import type { Context } from '../context.js';
import { JobFailedError } from '../errors/job-failed-error.js';
import { JobWarnedError } from '../errors/job-warned-error.js';
import { describeJob } from '../output/describe-job.js';
import { warningsOf } from '../output/warnings.js';
import { writeJson } from '../output/write-json.js';
import { barReporter } from './bar-reporter.js';
import { jsonReporter } from './json-reporter.js';
import { plainReporter } from './plain-reporter.js';
import type { Reporter } from './reporter.js';
import { type WaitOptions, waitForEnd } from './wait-for-end.js';

/**
 * How every command that answers a job ends: with `wait`, follow it to its end first; then print
 * it (its line, or the answer with --json). A job that failed or was cancelled exits 1 with its
 * line on stderr; one that succeeded with warnings exits 6 with them on stderr.
 */
export async function showJob(ctx: Context, answer: Job, wait: WaitOptions | null): Promise<void> {
  let job = answer;
  if (wait) job = await waitForEnd(ctx.client, answer, reporterOf(ctx), wait);
  else if (ctx.json) writeJson(ctx, job);
  if (job.status === 'failed' || job.status === 'cancelled') throw new JobFailedError(job);
  if (!ctx.json) ctx.stdout.write(`${describeJob(job)}\n`);
  const warned = warningsOf(job);
  if (warned) throw new JobWarnedError(job, warned);
}

function reporterOf(ctx: Context): Reporter {
  if (ctx.json) return jsonReporter(ctx);
  return ctx.isTTY ? barReporter(ctx) : plainReporter(ctx);
}
