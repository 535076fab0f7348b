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
export {
  createTickQueue,
  type ScheduleTiming,
  schedulerMatches,
  TICK_QUEUE_NAME,
  type TickData,
  type TickQueue,
  tickDataSchema,
  upsertScheduler,
} from './schedules.js';
