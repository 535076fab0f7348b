import { connect } from 'node:net';

const PROBE_TIMEOUT_MS = 1_000;

/** True when a Redis server on 127.0.0.1:`port` answers PING with PONG (not LOADING or an error). */
export async function redisAnswersPing(port: number): Promise<boolean> {
  const reply = await exchange(port, 'PING\r\n', (data) => data.includes(0x0a));
  return reply.toString('latin1').startsWith('+PONG');
}

/**
 * True when a MySQL/MariaDB server on 127.0.0.1:`port` sends its handshake packet: a 4-byte header,
 * then protocol version 10. An error packet (0xff) means it is not ready for us.
 */
export async function mysqlSendsGreeting(port: number): Promise<boolean> {
  const reply = await exchange(port, undefined, (data) => data.length >= 5);
  return reply[4] === 0x0a;
}

function exchange(port: number, request: string | undefined, complete: (data: Buffer) => boolean) {
  return new Promise<Buffer>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(received);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(new Error(`no answer on port ${port}`)));
    socket.once('error', finish);
    socket.once('close', () => finish());
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (complete(received)) finish();
    });
    if (request !== undefined) socket.once('connect', () => socket.write(request));
  });
}

/** True when `GET url` answers 200 within a second. */
export async function httpAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  await response.body?.cancel();
  return response.status === 200;
}
