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

/**
 * The token an `Authorization` header carries, or null: `Bearer <token>` for programs, or HTTP
 * Basic with any user name and the token as the password, which is what a browser can send.
 */
export function presentedToken(header: string | undefined): string | null {
  return bearerToken(header) ?? basicPassword(header);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/** The password of an `Authorization: Basic base64(user:password)` header, or null. */
export function basicPassword(header: string | undefined): string | null {
  const match = header ? /^Basic[ ]+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header) : null;
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return null;
  const password = decoded.slice(colon + 1);
  return password === '' ? null : password;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The tokens that open /metrics (the API's and a worker's): API_TOKENS, and METRICS_TOKEN when set. */
export function metricsTokensOf(config: {
  apiTokens: readonly string[];
  metricsToken: string | null;
}): string[] {
  return config.metricsToken === null ? [...config.apiTokens] : [...config.apiTokens, config.metricsToken];
}
