import { timingSafeEqual } from 'node:crypto';

/** What stands for a secret in a log line, a log row or an answer. */
export const REDACTED = '[REDACTED]';

/**
 * The secrets of a configuration: every token of API_TOKENS, METRICS_TOKEN, the passwords in
 * DATABASE_URL and REDIS_URL, and the object repository's password and S3 secret key.
 */
export function secretsOf(config: {
  apiTokens: readonly string[];
  metricsToken: string | null;
  databaseUrl: string;
  redisUrl: string;
  repository?: {
    kind: string;
    password?: string;
    s3?: { credentials?: { secretAccessKey: string } };
  };
}): string[] {
  const secrets = [...config.apiTokens, ...(config.metricsToken === null ? [] : [config.metricsToken])];
  for (const url of [config.databaseUrl, config.redisUrl]) secrets.push(passwordOf(url));
  const repository = config.repository;
  if (repository?.password !== undefined) secrets.push(repository.password);
  const secretKey = repository?.s3?.credentials?.secretAccessKey;
  if (secretKey !== undefined) secrets.push(secretKey);
  return secrets.filter((secret) => secret.length > 0);
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

// A secret is looked for in the text as it is, and in the text with its escapes read: percent
// escapes in any case (%2D for -, %2f for /), + for a space, and JSON's \" \\ \/ \uXXXX, so that
// a secret sent percent-encoded in a URL, or written into a JSON line, is found too.
interface View {
  bytes: Buffer;
  /** For each byte, the first character of the text it comes from, and the one after the last. */
  from: Uint32Array;
  to: Uint32Array;
}

/**
 * Finds secrets in texts and replaces each with {@link REDACTED}: as they are, percent-encoded in
 * any way, JSON-escaped, and cut short by a quote (at least {@link MIN_CUT} characters of a secret
 * right before `…`, which is how this project shortens what it quotes).
 *
 * Secrets are compared with what they could match without ever stopping at the first difference:
 * each window of the text is hashed with a rolling hash (the same work wherever the text differs
 * from a secret), and a window whose hash is a secret's is compared with
 * `crypto.timingSafeEqual`. How long redaction takes tells nothing of how much of a secret a text
 * got right.
 */
export class Redactor {
  private readonly secrets: Buffer[];
  private readonly byLength = new Map<number, Map<number, Buffer[]>>();

  constructor(secrets: readonly string[]) {
    this.secrets = [...new Set(secrets.filter((secret) => secret.length > 0))].map((secret) =>
      Buffer.from(secret, 'utf8'),
    );
    for (const secret of this.secrets) {
      const hashes = this.byLength.get(secret.length) ?? new Map<number, Buffer[]>();
      const hash = hashOf(secret, 0, secret.length);
      hashes.set(hash, [...(hashes.get(hash) ?? []), secret]);
      this.byLength.set(secret.length, hashes);
    }
  }

  /** `text` with every secret replaced by {@link REDACTED}. */
  redact(text: string): string {
    if (this.secrets.length === 0 || text.length === 0) return text;
    const spans: [number, number][] = [];
    for (const view of [viewOf(text, false), viewOf(text, true)]) {
      this.findWhole(view, spans);
      this.findCut(view, spans);
    }
    return replaceSpans(text, spans);
  }

  private findWhole(view: View, spans: [number, number][]): void {
    const { bytes } = view;
    for (const [length, hashes] of this.byLength) {
      if (bytes.length < length) continue;
      const drop = power(length - 1);
      let hash = hashOf(bytes, 0, length);
      for (let start = 0; ; start++) {
        const candidates = hashes.get(hash);
        if (candidates) {
          const window = bytes.subarray(start, start + length);
          if (candidates.some((secret) => timingSafeEqual(window, secret))) {
            spans.push([view.from[start] as number, view.to[start + length - 1] as number]);
          }
        }
        if (start + length >= bytes.length) break;
        hash = roll(hash, bytes[start] as number, bytes[start + length] as number, drop);
      }
    }
  }

  // A quote cut short: `…`, or `"…` after a JSON string, right after the start of a secret.
  private findCut(view: View, spans: [number, number][]): void {
    const { bytes } = view;
    for (let at = bytes.indexOf(ELLIPSIS); at !== -1; at = bytes.indexOf(ELLIPSIS, at + 1)) {
      const end = bytes[at - 1] === QUOTE ? at - 1 : at;
      for (const secret of this.secrets) {
        let longest = 0;
        for (
          let length = Math.min(MIN_CUT, secret.length);
          length < secret.length && length <= end;
          length++
        ) {
          const same = timingSafeEqual(bytes.subarray(end - length, end), secret.subarray(0, length));
          if (same) longest = length;
        }
        if (longest > 0) spans.push([view.from[end - longest] as number, view.to[end - 1] as number]);
      }
    }
  }
}

/** The fewest first bytes of a secret that count as the secret when a quote cuts it short. */
export const MIN_CUT = 8;

const ELLIPSIS = Buffer.from('…', 'utf8');
const QUOTE = '"'.charCodeAt(0);

// A polynomial hash modulo a prime below 2^31: every step stays well within a double's integers.
const MODULUS = 2_147_483_647;
const BASE = 257;

function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0;
  for (let i = start; i < end; i++) hash = (hash * BASE + (bytes[i] as number)) % MODULUS;
  return hash;
}

function power(exponent: number): number {
  let result = 1;
  for (let i = 0; i < exponent; i++) result = (result * BASE) % MODULUS;
  return result;
}

function roll(hash: number, out: number, into: number, drop: number): number {
  const without = (hash - ((out * drop) % MODULUS) + MODULUS) % MODULUS;
  return (without * BASE + into) % MODULUS;
}

const JSON_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** The text as UTF-8 bytes, its escapes read when `decode` is true, each byte mapped to its source. */
function viewOf(text: string, decode: boolean): View {
  const bytes: number[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const push = (piece: Uint8Array | number[], start: number, end: number) => {
    for (const byte of piece) {
      bytes.push(byte);
      from.push(start);
      to.push(end);
    }
  };
  let i = 0;
  while (i < text.length) {
    if (decode) {
      const read = readEscape(text, i);
      if (read) {
        push(read.bytes, i, i + read.length);
        i += read.length;
        continue;
      }
    }
    const codePoint = text.codePointAt(i) as number;
    const width = codePoint > 0xffff ? 2 : 1;
    push(Buffer.from(text.slice(i, i + width), 'utf8'), i, i + width);
    i += width;
  }
  return { bytes: Buffer.from(bytes), from: Uint32Array.from(from), to: Uint32Array.from(to) };
}

function readEscape(text: string, i: number): { bytes: number[] | Buffer; length: number } | null {
  const char = text[i];
  if (char === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
    return { bytes: [Number.parseInt(text.slice(i + 1, i + 3), 16)], length: 3 };
  }
  if (char === '+') return { bytes: [0x20], length: 1 };
  if (char !== '\\') return null;
  const next = text[i + 1] ?? '';
  const simple = JSON_ESCAPES[next];
  if (simple !== undefined) return { bytes: Buffer.from(simple, 'utf8'), length: 2 };
  const hex = text.slice(i + 2, i + 6);
  if (next === 'u' && /^[0-9A-Fa-f]{4}$/.test(hex)) {
    return { bytes: Buffer.from(String.fromCharCode(Number.parseInt(hex, 16)), 'utf8'), length: 6 };
  }
  return null;
}

function replaceSpans(text: string, spans: [number, number][]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let result = '';
  let at = 0;
  for (const [start, end] of spans) {
    if (end <= at) continue;
    result += text.slice(at, Math.max(at, start));
    if (start >= at) result += REDACTED;
    at = end;
  }
  return result + text.slice(at);
}

// The secrets of every configuration this process has loaded (loadConfig adds them): the API and
// a worker load one; a test process may load several.
const known = new Set<string>();
let redactor = new Redactor([]);

/** Adds secrets to those {@link redactSecrets} takes out of every text. */
export function keepSecret(...secrets: string[]): void {
  const before = known.size;
  for (const secret of secrets) if (secret.length > 0) known.add(secret);
  if (known.size !== before) redactor = new Redactor([...known]);
}

/**
 * Forgets every secret {@link keepSecret} was given. For a process that loads one configuration
 * after another and is done with the first: the test suite runs many files in one process, and
 * one file's secrets must not be cut out of another file's texts.
 */
export function forgetSecrets(): void {
  known.clear();
  redactor = new Redactor([]);
}

/**
 * `text` without any secret of the configuration this process loaded (tokens, the metrics token,
 * the passwords of DATABASE_URL and REDIS_URL), in any of the forms {@link Redactor} knows. The one
 * rule every log line, log row and error answer goes through.
 */
export function redactSecrets(text: string): string {
  return redactor.redact(text);
}
