export {
  APP_STOP_TIMEOUT_MS,
  type StartApiOptions,
  type StartAppOptions,
  startApi,
  startWorker,
} from './apps.js';
export { findBinary } from './find-binary.js';
export { freePort } from './free-port.js';
export { type StartMariadbOptions, startMariadb } from './mariadb.js';
export { MissingBinaryError } from './missing-binary-error.js';
export { type LocalServer, type StartRedisOptions, startRedis } from './redis.js';
export {
  findS3Server,
  requireS3Server,
  S3_SERVER,
  type StartS3ServerOptions,
  startS3Server,
} from './s3.js';
export { loadStartSettings, type StartSettings } from './start-settings.js';
export { type StopProcessOptions, stopProcess } from './stop-process.js';
export {
  type SpawnProcessOptions,
  type SupervisedProcess,
  signalAllProcesses,
  spawnProcess,
  type WaitUntilReadyOptions,
  waitUntilReady,
} from './supervised-process.js';
export { type WelcomeOptions, welcomeText } from './welcome.js';
