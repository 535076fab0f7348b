import ignore from 'ignore';
import { z } from 'zod';
import { MAX_NAME_BYTES, quote } from './folder.js';

/** The error code of a policy that cannot be applied (a bad pattern, an unknown field). */
export const POLICY_ERROR_CODE = 'INVALID_POLICY';

/** Most lines an `exclude` list may have. */
export const MAX_EXCLUDE_LINES = 1000;
/** Longest `exclude` line, in characters. */
export const MAX_EXCLUDE_LINE = 1000;
/**
 * Most `**` an `exclude` line may have. The matcher turns a line into a regular expression, and each
 * `**` beyond two multiplies its work on a deep path: with three, one path 1,000 directories deep
 * takes minutes.
 */
export const MAX_DOUBLE_STARS = 2;
/** Most marker names `excludeIfPresent` may have. */
export const MAX_MARKERS = 32;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * What is wrong with one `exclude` line, or null when the matcher (npm `ignore`, the one the engine
 * applies the policy with) takes it as git would. Blank lines and `#` comments are fine and match
 * nothing. Refused: a control character (a line is one line: no newline, no NUL), a trailing lone
 * backslash (git finds it invalid and the matcher would silently drop it), more than
 * {@link MAX_DOUBLE_STARS} `**`, and anything the matcher cannot compile.
 */
export function excludeLineProblem(line: string): string | null {
  const the = `The exclude line ${quote(line)}`;
  if (line.length > MAX_EXCLUDE_LINE) return `${the} is longer than ${MAX_EXCLUDE_LINE} characters`;
  if (CONTROL_CHARS.test(line)) {
    return `${the} has a control character (a newline, a tab, NUL…): give each pattern as a line of its own`;
  }
  if (/(^|[^\\])(\\\\)*\\$/.test(line)) {
    return `${the} ends with a lone backslash, which git finds invalid: escape it as "\\\\" or remove it`;
  }
  const doubleStars = line.match(/\*\*/g)?.length ?? 0;
  if (doubleStars > MAX_DOUBLE_STARS) {
    return `${the} has ${doubleStars} "**": at most ${MAX_DOUBLE_STARS} are allowed, each more multiplies the matching work on deep trees`;
  }
  try {
    const matcher = ignore().add(line);
    // The matcher compiles a line on first use: use it once so that a line it cannot compile fails here.
    matcher.ignores('probe/probe');
  } catch (error) {
    return `${the} cannot be read as a gitignore pattern: ${error instanceof Error ? error.message : String(error)}`;
  }
  return null;
}

const excludeLine = z.string().check((ctx) => {
  const problem = excludeLineProblem(ctx.value);
  if (problem !== null) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: problem,
      params: { code: POLICY_ERROR_CODE },
    });
  }
});

const keep = z.number().int().min(0).max(1_000_000).describe('0 (or absent): no limit by this rule');

/**
 * Which snapshots of a folder retention keeps, with the semantics of restic's `forget`: a snapshot
 * is kept when any rule keeps it; `keepLast` keeps the n newest; `keepHourly` … `keepYearly` keep the
 * newest snapshot of each of the n newest hours, days, ISO weeks, months, years that have one. With
 * every rule 0 or absent nothing is forgotten. Absent from a policy: the deployment's
 * RETENTION_KEEP_LAST / RETENTION_KEEP_DAILY apply.
 */
export const retentionRulesSchema = z
  .strictObject({
    keepLast: keep.optional(),
    keepHourly: keep.optional(),
    keepDaily: keep.optional(),
    keepWeekly: keep.optional(),
    keepMonthly: keep.optional(),
    keepYearly: keep.optional(),
  })
  .meta({ examples: [{ keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 12 }] });
export type RetentionRules = z.infer<typeof retentionRulesSchema>;

const markerName = z
  .string()
  .min(1)
  .refine(
    (name) =>
      !name.includes('/') && name !== '.' && name !== '..' && Buffer.byteLength(name) <= MAX_NAME_BYTES,
    {
      message: `A marker is one file name: no "/", not "." or "..", at most ${MAX_NAME_BYTES} bytes`,
    },
  );

/**
 * A folder's policy, as stored and as answered. Every field is there; an empty list, a null
 * `maxFileSize` and a null `retention` mean "no rule" (retention: the deployment's default).
 */
export const folderPolicySchema = z
  .strictObject({
    exclude: z
      .array(excludeLine)
      .max(MAX_EXCLUDE_LINES)
      .describe('gitignore lines, matched against paths relative to the folder; "!" lines include again'),
    excludeIfPresent: z
      .array(markerName)
      .max(MAX_MARKERS)
      .describe('a directory holding a file of one of these names is left out, with all it holds'),
    maxFileSize: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe('files larger than this many bytes are left out; null: no limit'),
    retention: retentionRulesSchema.nullable().describe('null: the deployment default'),
  })
  .meta({
    examples: [
      {
        exclude: ['*.tmp', 'cache/', '!cache/keep.me'],
        excludeIfPresent: ['.nobackup'],
        maxFileSize: 1073741824,
        retention: { keepLast: 3, keepDaily: 7 },
      },
    ],
  });
export type FolderPolicy = z.infer<typeof folderPolicySchema>;

/** The policy of a folder that has none stored. */
export const EMPTY_POLICY: FolderPolicy = Object.freeze({
  exclude: [],
  excludeIfPresent: [],
  maxFileSize: null,
  retention: null,
}) as FolderPolicy;

const excludeInput = folderPolicySchema.shape.exclude;
const markersInput = z
  .union([markerName, folderPolicySchema.shape.excludeIfPresent])
  .describe('one marker name, or a list of them');
const maxFileSizeInput = folderPolicySchema.shape.maxFileSize;

/**
 * The body of `PUT /folders/{folder}/policy`: the whole new policy. Every field may be left out
 * (or null): it then has no rule, as in {@link EMPTY_POLICY}. `excludeIfPresent` may be one name.
 */
export const policyBodySchema = z
  .strictObject({
    exclude: excludeInput.nullable().optional(),
    excludeIfPresent: markersInput.nullable().optional(),
    maxFileSize: maxFileSizeInput.optional(),
    retention: retentionRulesSchema.nullable().optional(),
  })
  .meta({
    examples: [{ exclude: ['*.tmp', 'cache/'], excludeIfPresent: '.nobackup', retention: { keepDaily: 7 } }],
  });
export type PolicyBody = z.infer<typeof policyBodySchema>;

const keepPatch = retentionRulesSchema.shape.keepLast.unwrap().nullable().optional();

/**
 * The body of `PATCH /folders/{folder}/policy`, a JSON merge patch (RFC 7396) of the stored policy: a
 * field left out stays as it is, a field set to null is reset (no rule), any other value replaces
 * it; `retention` merges rule by rule the same way (`{"retention": {"keepHourly": null}}` drops that
 * rule only; `{"retention": null}` drops them all, and the deployment's default applies again).
 */
export const policyPatchSchema = z
  .strictObject({
    exclude: excludeInput.nullable().optional(),
    excludeIfPresent: markersInput.nullable().optional(),
    maxFileSize: maxFileSizeInput.optional(),
    retention: z
      .strictObject({
        keepLast: keepPatch,
        keepHourly: keepPatch,
        keepDaily: keepPatch,
        keepWeekly: keepPatch,
        keepMonthly: keepPatch,
        keepYearly: keepPatch,
      })
      .nullable()
      .optional(),
  })
  .meta({ examples: [{ exclude: ['*.tmp'], retention: { keepDaily: 7, keepHourly: null } }] });
export type PolicyPatch = z.infer<typeof policyPatchSchema>;

function markers(value: string | string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** The policy a PUT body sets. */
export function policyOfBody(body: PolicyBody): FolderPolicy {
  return folderPolicySchema.parse({
    exclude: body.exclude ?? [],
    excludeIfPresent: markers(body.excludeIfPresent),
    maxFileSize: body.maxFileSize ?? null,
    retention: body.retention ?? null,
  });
}

/** `current` with `patch` merged into it (see {@link policyPatchSchema}). */
export function mergePolicy(current: FolderPolicy, patch: PolicyPatch): FolderPolicy {
  let retention = current.retention;
  if (patch.retention === null) retention = null;
  else if (patch.retention !== undefined) {
    const merged: Record<string, number> = { ...current.retention };
    for (const [rule, value] of Object.entries(patch.retention)) {
      if (value === null) delete merged[rule];
      else if (value !== undefined) merged[rule] = value;
    }
    retention = merged;
  }
  return folderPolicySchema.parse({
    exclude: patch.exclude === undefined ? current.exclude : (patch.exclude ?? []),
    excludeIfPresent:
      patch.excludeIfPresent === undefined ? current.excludeIfPresent : markers(patch.excludeIfPresent),
    maxFileSize: patch.maxFileSize === undefined ? current.maxFileSize : patch.maxFileSize,
    retention,
  });
}
