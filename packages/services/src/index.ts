export { findBinary } from './find-binary.js';
export { freePort } from './free-port.js';
export { type StartMariadbOptions, startMariadb } from './mariadb.js';
export { MissingBinaryError } from './missing-binary-error.js';
export { type LocalServer, type StartRedisOptions, startRedis } from './redis.js';
export { signalAllServers } from './server-process.js';
