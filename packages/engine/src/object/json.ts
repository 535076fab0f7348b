import type { z } from 'zod';
import { prettifyError } from 'zod';
import { damaged } from './seal.js';

/**
 * What the repository holds as JSON, parsed and checked against `schema`; anything else is
 * REPOSITORY_DAMAGED naming `what`. Every JSON object read from a repository comes through here.
 */
export function parseObject<T>(schema: z.ZodType<T>, bytes: Buffer, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw damaged(`${what} is not JSON`, cause);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw damaged(`${what} does not parse: ${prettifyError(parsed.error)}`);
  return parsed.data;
}
