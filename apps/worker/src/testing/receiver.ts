import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

/** One request a receiver got: its path, headers and raw body. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * How the receiver answers its n-th request (0 first): a status, or `hang` (never answers), or a
 * function that may do something first (and then answers a status), or a redirect elsewhere.
 */
export type Answer = number | 'hang' | { redirectTo: string } | ((request: Received) => Promise<number>);

/** A real HTTP server on 127.0.0.1 that records what it receives. */
export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves once `count` requests have come (at once if they have). */
  requests(count: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(answers: (n: number) => Answer = () => 204): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { count: number; resolve: (requests: Received[]) => void }[] = [];
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const answer = answers(received.length);
      received.push(request);
      for (const waiter of [...waiters]) {
        if (received.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(received.slice(0, waiter.count));
        }
      }
      if (answer === 'hang') return;
      if (typeof answer === 'object') {
        res.writeHead(302, { location: answer.redirectTo }).end();
        return;
      }
      const status = typeof answer === 'number' ? Promise.resolve(answer) : answer(request);
      status.then(
        (code) => res.writeHead(code).end(),
        () => res.writeHead(599).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the receiver has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    requests(count) {
      if (received.length >= count) return Promise.resolve(received.slice(0, count));
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
