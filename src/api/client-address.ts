import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import {
  convertIPv4BinaryToString,
  convertIPv4MappedIPv6ToIPv4,
  convertIPv4ToBinary,
  convertIPv6BinaryToString,
  convertIPv6ToBinary,
  isIPv4MappedIPv6,
} from 'hono/utils/ipaddr';

/**
 * The address a request really comes from, for the keyless widget's rate limit. Headers a client
 * writes itself (X-Forwarded-For, CF-Connecting-IP) are believed only from whoever is known to set them.
 */

/**
 * Where client addresses come from: the connection's peer on Node (X-Forwarded-For only when that peer
 * is a trusted proxy), or CF-Connecting-IP on Cloudflare Workers, which Cloudflare itself sets.
 */
export type AddressSource = { kind: 'socket'; trustedProxies: readonly string[] } | { kind: 'cloudflare' };

/** Requests whose address cannot be told (no socket, no header) share one bucket. */
export const UNKNOWN_ADDRESS = 'unknown';

interface Ip {
  family: 4 | 6;
  bits: bigint;
}

/**
 * An IPv4 or IPv6 address, IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as Node reports IPv4 peers on a
 * dual-stack socket) read as IPv4; undefined for anything else.
 */
function parseIp(text: string): Ip | undefined {
  try {
    if (!text.includes(':')) return { family: 4, bits: convertIPv4ToBinary(text) };
    const bits = convertIPv6ToBinary(text);
    return isIPv4MappedIPv6(bits) ? { family: 4, bits: convertIPv4MappedIPv6ToIPv4(bits) } : { family: 6, bits };
  } catch {
    return undefined;
  }
}

const format = (ip: Ip) => (ip.family === 4 ? convertIPv4BinaryToString(ip.bits) : convertIPv6BinaryToString(ip.bits));

/**
 * One address in the canonical spelling (so `::1` and `0:0::1` count as one client), or undefined.
 * Proxies may add a port (`1.2.3.4:5678`, `[2001:db8::1]:443`); it is dropped.
 *
 * @example normaliseAddress('::ffff:203.0.113.7') // '203.0.113.7'
 */
export function normaliseAddress(text: string): string | undefined {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
  const withoutPort = bracketed ? bracketed[1] : /^[\d.]+:\d+$/.test(trimmed) ? trimmed.slice(0, trimmed.lastIndexOf(':')) : trimmed;
  const ip = parseIp(withoutPort);
  return ip ? format(ip) : undefined;
}

interface Range {
  family: 4 | 6;
  prefix: number;
  network: bigint;
}

const WIDTH = { 4: 32, 6: 128 } as const;

function parseRange(text: string): Range | undefined {
  const [address, length] = text.trim().split('/');
  const ip = parseIp(address);
  if (!ip) return undefined;
  const width = WIDTH[ip.family];
  const prefix = length === undefined ? width : Number(length);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) return undefined;
  return { family: ip.family, prefix, network: ip.bits >> BigInt(width - prefix) };
}

const inRange = (ip: Ip, range: Range) => ip.family === range.family && ip.bits >> BigInt(WIDTH[ip.family] - range.prefix) === range.network;

/**
 * A test for "is this address one of our proxies", from addresses and CIDR ranges (TRUSTED_PROXIES,
 * already validated by src/config/env.ts; anything unreadable here is a programming error).
 *
 * @example trustedProxy(['10.0.0.0/8', '::1'])('10.1.2.3') // true
 */
export function trustedProxy(ranges: readonly string[]): (address: string) => boolean {
  const parsed = ranges.map((r) => {
    const range = parseRange(r);
    if (!range) throw new Error(`trusted proxy "${r}" is not an IP address or CIDR range`);
    return range;
  });
  return (address) => {
    const ip = parseIp(address);
    return ip !== undefined && parsed.some((range) => inRange(ip, range));
  };
}

/** The connection's peer on @hono/node-server; undefined where there is no socket (app.request, Workers). */
function socketAddress(c: Context): string | undefined {
  try {
    const address = getConnInfo(c).remote.address;
    return address ? normaliseAddress(address) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Walks X-Forwarded-For from the right (the entry our own proxy appended) past trusted proxies: the
 * first address not ours is the client. Entries further left were written by the client and are
 * never read, so prepending made-up addresses changes nothing.
 */
function forwardedClient(peer: string, forwardedFor: string | undefined, trusted: (address: string) => boolean): string {
  const hops = (forwardedFor ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0 && trusted(client); i--) {
    const hop = normaliseAddress(hops[i]);
    // A hop no proxy of ours would write: keep the last address we can vouch for.
    if (!hop) break;
    client = hop;
  }
  return client;
}

/**
 * Makes the function that tells a request's client address.
 *
 * @example
 * const addressOf = clientAddress({ kind: 'socket', trustedProxies: ['10.0.0.0/8'] });
 * addressOf(c) // '198.51.100.7' for a request from proxy 10.0.0.2 with X-Forwarded-For: 1.1.1.1, 198.51.100.7
 */
export function clientAddress(source: AddressSource): (c: Context) => string {
  if (source.kind === 'cloudflare') {
    return (c) => normaliseAddress(c.req.header('cf-connecting-ip') ?? '') ?? UNKNOWN_ADDRESS;
  }
  const trusted = trustedProxy(source.trustedProxies);
  return (c) => {
    const peer = socketAddress(c);
    if (!peer) return UNKNOWN_ADDRESS;
    return trusted(peer) ? forwardedClient(peer, c.req.header('x-forwarded-for'), trusted) : peer;
  };
}

/**
 * The rate limit's bucket for an address: IPv6 clients by their /64, since one home or phone is
 * handed a whole /64 and could otherwise rotate through 2^64 addresses.
 *
 * @example addressBucket('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function addressBucket(address: string): string {
  const ip = parseIp(address);
  if (!ip || ip.family === 4) return address;
  return `${convertIPv6BinaryToString((ip.bits >> 64n) << 64n)}/64`;
}
