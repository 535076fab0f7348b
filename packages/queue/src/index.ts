export { type ConnectionRole, connectRedis } from './connection.js';
export {
  createQueue,
  DEFAULT_JOB_OPTIONS,
  enqueue,
  enqueueAll,
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
export {
  isPrivateAddress,
  resolveWebhookTarget,
  type WebhookTarget,
  WebhookTargetError,
} from './webhook-target.js';
export {
  createWebhookQueue,
  DELIVERY_RETRIES,
  type DeliveryData,
  deliveryDataSchema,
  deliveryIdOf,
  enqueueDelivery,
  signatureHeader,
  WEBHOOK_QUEUE_NAME,
  type WebhookQueue,
} from './webhooks.js';
