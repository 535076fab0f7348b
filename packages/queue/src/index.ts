export { type ConnectionRole, connectRedis } from './connection.js';
export {
  createQueue,
  DEFAULT_JOB_OPTIONS,
  enqueue,
  type JobData,
  jobDataSchema,
  QUEUE_NAME,
  type QueueSettings,
  type StrongboxQueue,
} from './queue.js';
