import { Duplex } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { answerClientError } from './client-error.js';

// A connection whose writes are kept, to read what the handler answered.
function connection(): Duplex & { written: () => string } {
  const chunks: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(socket, { written: () => Buffer.concat(chunks).toString('utf8') });
}

function parserError(code: string): Error & { code: string } {
  return Object.assign(new Error(`parser: ${code}`), { code });
}

// The answers to a 100 KB request line and to a control byte in a header are tested over a real
// socket in app.test.ts; a timeout needs a client that waits for the server's timeout.
describe('answerClientError', () => {
  const app = Fastify({ logger: false });

  it('answers a request that did not arrive in time with 408 REQUEST_TIMEOUT and closes', () => {
    const socket = connection();
    answerClientError.call(app, parserError('ERR_HTTP_REQUEST_TIMEOUT'), socket);
    const [head, body] = socket.written().split('\r\n\r\n');
    expect(head?.split('\r\n')).toEqual([
      'HTTP/1.1 408 Request Timeout',
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body ?? '')}`,
      'Connection: close',
    ]);
    expect(JSON.parse(body ?? '')).toEqual({
      statusCode: 408,
      error: 'Request Timeout',
      code: 'REQUEST_TIMEOUT',
      message: 'The request did not arrive in time: send it whole, without pausing',
    });
    expect(socket.writableEnded).toBe(true);
  });

  it('writes nothing to a connection the client reset', () => {
    const socket = connection();
    answerClientError.call(app, parserError('ECONNRESET'), socket);
    expect(socket.written()).toBe('');
  });
});
