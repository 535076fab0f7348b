import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `given` is one of `tokens`, in time that does not depend on where they differ: both
 * sides are hashed to the same length first, and every token is compared.
 */
export function isKnownToken(given: string, tokens: readonly string[]): boolean {
  const digest = sha256(given);
  let known = false;
  for (const token of tokens) {
    if (timingSafeEqual(digest, sha256(token))) known = true;
  }
  return known;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
