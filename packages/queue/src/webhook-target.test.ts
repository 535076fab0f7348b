import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPrivateAddress, resolveWebhookTarget, WebhookTargetError } from './webhook-target.js';
import { DELIVERY_RETRIES, deliveryDataSchema, deliveryJobOptions, signatureHeader } from './webhooks.js';

describe('the addresses a webhook may not reach without WEBHOOK_ALLOW_PRIVATE', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', '"this network"'],
    ['10.1.2.3', 'RFC 1918'],
    ['172.16.0.1', 'RFC 1918'],
    ['172.31.255.254', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local: the clouds’ metadata service'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'IPv6 link-local'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, in hex'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata service'],
    ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
  ])('refuses %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    ['93.184.215.14'],
    ['172.32.0.1'],
    ['100.128.0.1'],
    ['1.1.1.1'],
    ['2606:4700:4700::1111'],
    ['::ffff:93.184.215.14'],
  ])('lets %s through', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('resolveWebhookTarget', () => {
  async function refusal(url: string, allowPrivate = false): Promise<{ code: string; message: string }> {
    const error = await resolveWebhookTarget(url, { allowPrivate }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WebhookTargetError);
    const { code, message } = error as WebhookTargetError;
    return { code, message };
  }

  it('refuses what is not an http or https URL, and credentials in it', async () => {
    expect(await refusal('hooks.example.com/x')).toEqual({
      code: 'INVALID_WEBHOOK_URL',
      message: 'The webhook URL is not a URL: got "hooks.example.com/x"',
    });
    expect(await refusal('ftp://hooks.example.com/')).toEqual({
      code: 'INVALID_WEBHOOK_URL',
      message: 'The webhook URL must start with http:// or https://: got "ftp://hooks.example.com/"',
    });
    expect(await refusal('file:///etc/passwd', true)).toEqual({
      code: 'INVALID_WEBHOOK_URL',
      message: 'The webhook URL must start with http:// or https://: got "file:///etc/passwd"',
    });
    expect(await refusal('https://user:pw@hooks.example.com/')).toEqual({
      code: 'INVALID_WEBHOOK_URL',
      message:
        'The webhook URL must not hold credentials (user:password@): use the secret to authenticate deliveries',
    });
  });

  it.each([
    ['http://127.0.0.1:8080/hook', '"127.0.0.1"', '127.0.0.1'],
    ['http://localhost/hook', '"localhost"', '(loopback)'],
    ['http://169.254.169.254/latest/meta-data/', '"169.254.169.254"', '169.254.169.254'],
    ['http://[::ffff:127.0.0.1]/', '"::ffff:7f00:1"', '::ffff:7f00:1'],
    ['https://10.0.0.7/', '"10.0.0.7"', '10.0.0.7'],
  ])('refuses %s, a private address, naming it', async (url, host, address) => {
    const { code, message } = await refusal(url);
    expect(code).toBe('WEBHOOK_URL_PRIVATE');
    const at = address === '(loopback)' ? '(127\\.0\\.0\\.1|::1)' : address.replaceAll('.', '\\.');
    expect(message).toMatch(
      new RegExp(
        `^The webhook host ${host.replaceAll('.', '\\.')} is at ${at}, a loopback, link-local or private address: webhooks reach public addresses only \\(WEBHOOK_ALLOW_PRIVATE=true lifts this\\)$`,
      ),
    );
  });

  it('takes a private address with allowPrivate, and answers the address it checked', async () => {
    const target = await resolveWebhookTarget('http://127.0.0.1:8080/hook?x=1', { allowPrivate: true });
    expect(target).toEqual({
      url: new URL('http://127.0.0.1:8080/hook?x=1'),
      address: '127.0.0.1',
      family: 4,
    });
    const six = await resolveWebhookTarget('http://[::1]:9/', { allowPrivate: true });
    expect(six.address).toBe('::1');
    expect(six.family).toBe(6);
  });

  it('refuses a host that does not resolve', async () => {
    expect(await refusal('https://hooks.example.invalid/')).toEqual({
      code: 'WEBHOOK_URL_UNRESOLVED',
      message: expect.stringMatching(
        /^The webhook host "hooks\.example\.invalid" does not resolve \(E[A-Z_]+\)$/,
      ),
    });
  });
});

describe('the signature header', () => {
  it('is t=SECONDS,v1=HMAC-SHA256 of "t." and the raw body, keyed by the secret', () => {
    const body = '{"event":"backup.failed"}';
    const expected = createHmac('sha256', 'a-secret-of-16+chars').update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader('a-secret-of-16+chars', 1_700_000_000, body)).toBe(`t=1700000000,v1=${expected}`);
  });
});

describe('the delivery data', () => {
  const ids = {
    webhookId: '5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69',
    jobId: '354d99af-113a-43e3-839e-bc62ea4f1393',
  };

  it('takes a webhook, a job and an event of the contract, and nothing else', () => {
    expect(deliveryDataSchema.parse({ ...ids, event: 'verify.failed' })).toEqual({
      ...ids,
      event: 'verify.failed',
    });
    expect(deliveryDataSchema.safeParse({ ...ids, event: 'backup.cancelled' }).success).toBe(false);
    expect(deliveryDataSchema.safeParse({ ...ids, event: 'backup.failed', url: 'http://x' }).success).toBe(
      false,
    );
  });
});

describe('the retry schedule of deliveries', () => {
  it('is 10 attempts, the waits doubling from 5 s', () => {
    expect(DELIVERY_RETRIES).toEqual({ attempts: 10, firstDelayMs: 5_000 });
    expect(deliveryJobOptions(DELIVERY_RETRIES)).toMatchObject({
      attempts: 10,
      backoff: { type: 'exponential', delay: 5_000 },
    });
    // BullMQ waits delay × 2^(n−1) before attempt n+1: the last attempt starts ~43 minutes after the first.
    const waits = Array.from({ length: 9 }, (_, n) => 5 * 2 ** n);
    expect(waits).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1280]);
    expect(waits.reduce((a, b) => a + b, 0)).toBe(2555);
  });
});
