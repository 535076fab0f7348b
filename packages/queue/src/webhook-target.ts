import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE=true: this host (loopback,
 * "this network"), link-local (which holds the clouds' metadata service, 169.254.169.254), the
 * private ranges (RFC 1918, unique local IPv6), carrier-grade NAT, and the special-purpose and
 * multicast ranges no public receiver is in. A client that may create webhooks must not make the
 * server send requests into its own network (SSRF).
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IPv4 or IPv6 literal) is one a webhook may not reach without the flag. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) reaches the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(address)) {
    const [high, low] = address
      .slice(7)
      .split(':')
      .map((part) => Number.parseInt(part, 16)) as [number, number];
    return PRIVATE.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  return PRIVATE.check(address, 'ipv6');
}

/** Why a webhook URL is refused: its code (answered 400 at creation) and a sentence. */
export class WebhookTargetError extends Error {
  readonly code: 'INVALID_WEBHOOK_URL' | 'WEBHOOK_URL_PRIVATE' | 'WEBHOOK_URL_UNRESOLVED';

  constructor(code: WebhookTargetError['code'], message: string) {
    super(message);
    this.name = 'WebhookTargetError';
    this.code = code;
  }
}

/** A webhook URL and the address it was checked at: the connection goes there and nowhere else. */
export interface WebhookTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * Checks a webhook URL and resolves its host once: http or https, no credentials in it, and, unless
 * `allowPrivate`, no address of its host in a private range (every address the name has is checked,
 * so a name cannot hide a private address behind a public one). Done when the webhook is created and
 * again before each delivery, whose connection is then made to the address checked here (a name
 * that resolves elsewhere a moment later changes nothing).
 *
 * @throws WebhookTargetError
 */
export async function resolveWebhookTarget(
  url: string,
  options: { allowPrivate: boolean },
): Promise<WebhookTarget> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookTargetError('INVALID_WEBHOOK_URL', `The webhook URL is not a URL: got ${shown(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new WebhookTargetError(
      'INVALID_WEBHOOK_URL',
      `The webhook URL must start with http:// or https://: got ${shown(url)}`,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new WebhookTargetError(
      'INVALID_WEBHOOK_URL',
      'The webhook URL must not hold credentials (user:password@): use the secret to authenticate deliveries',
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (isIP(host) !== 0) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new WebhookTargetError(
        'WEBHOOK_URL_UNRESOLVED',
        `The webhook host ${shown(host)} does not resolve (${typeof code === 'string' ? code : 'DNS error'})`,
      );
    }
  }
  const first = addresses[0];
  if (!first) {
    throw new WebhookTargetError('WEBHOOK_URL_UNRESOLVED', `The webhook host ${shown(host)} has no address`);
  }
  if (!options.allowPrivate) {
    const blocked = addresses.find((entry) => isPrivateAddress(entry.address));
    if (blocked) {
      throw new WebhookTargetError(
        'WEBHOOK_URL_PRIVATE',
        `The webhook host ${shown(host)} is at ${blocked.address}, a loopback, link-local or private address: webhooks reach public addresses only (WEBHOOK_ALLOW_PRIVATE=true lifts this)`,
      );
    }
  }
  return { url: parsed, address: first.address, family: first.family === 6 ? 6 : 4 };
}

function shown(value: string): string {
  return value.length <= 200 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 200))}…`;
}
