import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The S3 operations a proxied request is told apart as (path-style addressing). */
export type S3Operation =
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'ListObjects'
  | 'Bucket'
  | 'Other';

/** One request the proxy received, in order. */
export interface ProxiedRequest {
  operation: S3Operation;
  /** The object's key (prefix included), '' for a bucket request. */
  key: string;
  /** A PUT with `If-None-Match: *`. */
  conditional: boolean;
  /** What the proxy did with it. */
  outcome: 'forwarded' | Fault;
}

/**
 * What a faulty answer is: an S3 error body with its status, the connection reset before any
 * answer, or the request forwarded to the server (so it takes effect) and the connection reset
 * before its answer reaches the client: a lost answer.
 */
export type Fault = 'slow-down' | 'internal-error' | 'access-denied' | 'reset' | 'lose-answer';

export interface FaultRule {
  fault: Fault;
  /** Only requests of this operation. @defaultValue every request */
  operation?: S3Operation;
  /** Only requests for which this holds (after `operation`). */
  when?: (request: Omit<ProxiedRequest, 'outcome'>) => boolean;
  /** Let this many matching requests through first: `skip: 2` fails the third. @defaultValue 0 */
  skip?: number;
  /** Fail this many matching requests, then let the rest through. @defaultValue Infinity */
  times?: number;
}

export interface FaultyProxy {
  /** The endpoint to give the S3 client instead of the server's. */
  url: string;
  /** Every request received, in order. */
  readonly log: readonly ProxiedRequest[];
  /** Adds a rule; the first rule that matches a request decides it. */
  inject(rule: FaultRule): void;
  /** Removes every rule: from now on each request goes to the server. */
  heal(): void;
  /** Calls `listener` with each request as the proxy decides it (before it forwards it). */
  onRequest(listener: (request: ProxiedRequest) => void): void;
  close(): Promise<void>;
}

const ERRORS: Record<'slow-down' | 'internal-error' | 'access-denied', [number, string, string]> = {
  'slow-down': [503, 'SlowDown', 'Please reduce your request rate.'],
  'internal-error': [500, 'InternalError', 'We encountered an internal error. Please try again.'],
  'access-denied': [403, 'AccessDenied', 'Access Denied'],
};

export interface FaultyProxyOptions {
  /**
   * Passes conditional writes (`If-None-Match: *`) of one key to the server one at a time, each
   * once the one before it was answered. moto_server checks the condition and then stores in two
   * steps, on threads, so under load two racing writers can both be told 200; S3 decides them
   * atomically, and this gives a test that guarantee while the writers still race to the proxy.
   * @defaultValue false
   */
  serializeConditionalWrites?: boolean;
}

/**
 * A plain HTTP proxy in front of an S3 server (moto_server in tests) that passes every request on,
 * except those a rule picks, which it answers with an S3 error, a reset connection or a lost
 * answer. Each rule counts the requests it matched, so "the third PutObject" or "every request
 * until healed" are rules; nothing depends on time.
 */
export async function startFaultyProxy(
  target: string,
  options: FaultyProxyOptions = {},
): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const log: ProxiedRequest[] = [];
  let rules: { rule: FaultRule; seen: number; failed: number }[] = [];
  const listeners: ((request: ProxiedRequest) => void)[] = [];
  const sockets = new Set<Socket>();

  const decide = (seen: Omit<ProxiedRequest, 'outcome'>): ProxiedRequest['outcome'] => {
    for (const state of rules) {
      const { rule } = state;
      if (rule.operation !== undefined && rule.operation !== seen.operation) continue;
      if (rule.when && !rule.when(seen)) continue;
      state.seen++;
      if (state.seen <= (rule.skip ?? 0)) continue;
      if (state.failed >= (rule.times ?? Number.POSITIVE_INFINITY)) continue;
      state.failed++;
      return rule.fault;
    }
    return 'forwarded';
  };

  const turns = new Map<string, Promise<void>>();
  /** Waits for the conditional writes of `key` before this one; answers the release of this one. */
  const turn = async (key: string): Promise<() => void> => {
    const previous = turns.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    turns.set(
      key,
      previous.then(() => mine),
    );
    await previous;
    return release;
  };

  const server = createServer(async (incoming: IncomingMessage, answer: ServerResponse) => {
    const described = describe(incoming);
    const entry: ProxiedRequest = { ...described, outcome: decide(described) };
    log.push(entry);
    for (const listener of listeners) listener(entry);
    const { outcome } = entry;
    if (outcome === 'reset') {
      incoming.socket.destroy();
      return;
    }
    if (outcome !== 'forwarded' && outcome !== 'lose-answer') {
      const [status, code, message] = ERRORS[outcome];
      incoming.resume();
      answer.writeHead(status, { 'content-type': 'application/xml' });
      answer.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
      );
      return;
    }
    if (described.conditional && options.serializeConditionalWrites) {
      const release = await turn(described.key);
      answer.once('close', release);
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        if (outcome === 'lose-answer') {
          // The server did it; the client never hears so.
          response.resume();
          response.on('end', () => incoming.socket.destroy());
          return;
        }
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      },
    );
    forward.on('error', () => incoming.socket.destroy());
    incoming.pipe(forward);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    inject(rule) {
      rules.push({ rule, seen: 0, failed: 0 });
    },
    heal() {
      rules = [];
    },
    onRequest(listener) {
      listeners.push(listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The operation and key of a path-style request: `/<bucket>` or `/<bucket>/<key>`. */
function describe(incoming: IncomingMessage): Omit<ProxiedRequest, 'outcome'> {
  const url = new URL(incoming.url ?? '/', 'http://proxy');
  const [, , ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const conditional = incoming.headers['if-none-match'] === '*';
  const method = incoming.method ?? 'GET';
  if (key === '') {
    const listing = method === 'GET' && url.searchParams.get('list-type') === '2';
    return { operation: listing ? 'ListObjects' : 'Bucket', key, conditional };
  }
  const operation: S3Operation =
    method === 'PUT'
      ? 'PutObject'
      : method === 'GET'
        ? 'GetObject'
        : method === 'HEAD'
          ? 'HeadObject'
          : method === 'DELETE'
            ? 'DeleteObject'
            : 'Other';
  return { operation, key, conditional };
}
