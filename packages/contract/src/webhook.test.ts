import { describe, expect, it } from 'vitest';
import { JOB_KINDS } from './job.js';
import { eventOf, newWebhookSchema, WEBHOOK_EVENTS } from './webhook.js';

describe('webhook events', () => {
  it('are <kind>.succeeded and <kind>.failed for every kind of job, so a new kind has its events at once', () => {
    expect(WEBHOOK_EVENTS).toEqual(JOB_KINDS.flatMap((kind) => [`${kind}.succeeded`, `${kind}.failed`]));
    expect(WEBHOOK_EVENTS).toEqual([
      'backup.succeeded',
      'backup.failed',
      'verify.succeeded',
      'verify.failed',
      'restore.succeeded',
      'restore.failed',
      'check.succeeded',
      'check.failed',
      'prune.succeeded',
      'prune.failed',
    ]);
  });

  it('names how a job ended, and no event for a cancelled or active one', () => {
    expect(eventOf({ kind: 'backup', status: 'failed' })).toBe('backup.failed');
    expect(eventOf({ kind: 'restore', status: 'succeeded' })).toBe('restore.succeeded');
    expect(eventOf({ kind: 'backup', status: 'cancelled' })).toBeNull();
    expect(eventOf({ kind: 'verify', status: 'running' })).toBeNull();
  });

  it('a new webhook takes only known events, at least one, and no other field', () => {
    const url = 'https://hooks.example.com/x';
    expect(newWebhookSchema.parse({ url, events: ['verify.failed'] })).toEqual({
      url,
      events: ['verify.failed'],
    });
    expect(newWebhookSchema.safeParse({ url, events: [] }).success).toBe(false);
    expect(newWebhookSchema.safeParse({ url, events: ['backup.cancelled'] }).success).toBe(false);
    expect(newWebhookSchema.safeParse({ url, events: ['backup.failed'], headers: {} }).success).toBe(false);
    expect(newWebhookSchema.safeParse({ url, events: ['backup.failed'], secret: 'short' }).success).toBe(
      false,
    );
  });
});
