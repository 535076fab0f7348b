import { readFileSync } from 'node:fs';
import { folderSchema } from '@strongbox/contract';
import picomatch from 'picomatch';
import { z } from 'zod';

/** Longest a hook may run before it is killed, in seconds. */
export const MAX_HOOK_TIMEOUT_SECONDS = 86_400;

const argv = z
  .array(z.string().min(1).max(4096))
  .min(1)
  .max(256)
  .describe('the program and its arguments, run without a shell');

/**
 * One entry of the hooks file: the folders it is for (a folder, or a glob such as `databases/*`), the
 * command run before a backup of one of them and the one run after, how long each may run, and
 * the variables they get beside PATH, HOME, LANG and the STRONGBOX_* ones.
 */
const hookEntrySchema = z
  .object({
    folder: z
      .string()
      .min(1)
      .max(1000)
      .describe('a folder relative to SOURCE_ROOT, or a glob of them (picomatch: *, **, ?, {a,b})'),
    before: argv.optional(),
    after: argv.optional(),
    timeoutSeconds: z.number().int().min(1).max(MAX_HOOK_TIMEOUT_SECONDS).default(300),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), z.string().max(32_768))
      .default({}),
  })
  .strict()
  .refine((entry) => entry.before !== undefined || entry.after !== undefined, {
    message: 'an entry needs a before or an after command',
  });
export type HookEntry = z.infer<typeof hookEntrySchema>;

export const hooksFileSchema = z.object({ hooks: z.array(hookEntrySchema).max(1000) }).strict();

/** The command hooks of the server's own configuration, by folder. */
export interface Hooks {
  /** The first entry whose folder or glob matches `folder`, or null. */
  forFolder(folder: string): HookEntry | null;
}

/** Why the hooks file cannot be used: the worker does not start with it. */
export class HooksFileError extends Error {
  constructor(file: string, reason: string) {
    super(`HOOKS_FILE=${JSON.stringify(file)}: ${reason}`);
    this.name = 'HooksFileError';
  }
}

/**
 * Reads and checks the hooks file (HOOKS_FILE) once, at the worker's start. Hooks come from this
 * file only, never from a request: see docs/security.md.
 *
 * @throws HooksFileError when it cannot be read, is not JSON, or breaks the schema.
 */
export function loadHooks(file: string): Hooks {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new HooksFileError(file, `cannot be read (${typeof code === 'string' ? code : 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HooksFileError(file, `is not JSON: ${(error as Error).message}`);
  }
  const parsed = hooksFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`,
    );
    throw new HooksFileError(file, problems.join('; '));
  }
  return hooksOf(parsed.data.hooks);
}

function hooksOf(entries: HookEntry[]): Hooks {
  const matchers = entries.map((entry) => ({
    entry,
    matches: picomatch(entry.folder, { dot: true }),
  }));
  return {
    forFolder(folder) {
      // A folder the folder rule refuses never reaches a job; it matches nothing here either.
      if (!folderSchema.safeParse(folder).success) return null;
      return matchers.find((matcher) => matcher.matches(folder))?.entry ?? null;
    },
  };
}
