/**
 * Client addresses for rate limits and token address lists. The address is the socket's
 * (the registry does not trust X-Forwarded-For). An IPv4-mapped IPv6 address counts as the
 * IPv4 one; an IPv6 address counts by its /64, the block one host usually controls.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** `::ffff:1.2.3.4` -> `1.2.3.4`; a zone (`%eth0`) is dropped. */
export function plainAddress(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  return MAPPED_V4.exec(bare)?.[1] ?? bare;
}

/** What a per-address limit counts: the IPv4 address, or the IPv6 address's /64. */
export function addressSubject(ip: string): string {
  const address = plainAddress(ip);
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, lowercase without leading zeros. */
function expandIPv6(address: string): string[] {
  const split = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':').flatMap(v4AsGroups));
  const [head, tail] = address.split('::');
  const left = split(head);
  const right = split(tail);
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** A trailing dotted IPv4 part (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) is two groups. */
function v4AsGroups(group: string): string[] {
  if (!isIPv4(group)) return [group];
  const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

/** A CIDR (`10.0.0.0/8`, `2001:db8::/32`) as [network, prefix, family], or undefined when invalid. */
export function parseCidr(cidr: string): [string, number, 'ipv4' | 'ipv6'] | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!match) return undefined;
  const [, network = '', bits = ''] = match;
  const prefix = Number(bits);
  if (isIPv4(network) && prefix <= 32) return [network, prefix, 'ipv4'];
  if (isIPv6(network) && prefix <= 128) return [network, prefix, 'ipv6'];
  return undefined;
}

/** True when `ip` is inside one of `cidrs` (each valid: checked when the token was issued). */
export function addressAllowed(ip: string, cidrs: readonly string[]): boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr);
    if (parsed) list.addSubnet(...parsed);
  }
  const address = plainAddress(ip);
  return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}
