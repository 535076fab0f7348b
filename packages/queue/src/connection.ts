import { Redis } from 'ioredis';

/**
 * - `producer`: used while answering requests, so commands fail fast instead of waiting in an
 *   offline queue when Redis is down.
 * - `worker`: blocking commands that must wait as long as it takes, which BullMQ requires.
 */
export type ConnectionRole = 'producer' | 'worker';

/** Opens an ioredis connection set up as BullMQ wants it for the given role. */
export function connectRedis(url: string, role: ConnectionRole): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    lazyConnect: false,
  });
}
