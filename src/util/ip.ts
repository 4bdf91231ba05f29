import { isIPv4, isIPv6 } from 'node:net';

/** An IP address in canonical form. */
export interface CanonicalIp {
  readonly family: 4 | 6;
  readonly address: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Parses an IPv4 (dotted quad, no leading zeros) or IPv6 address (no zone id) into canonical form: IPv6 as RFC 5952
 * (lower case, leading zeros dropped, the longest run of zero groups compressed), so two spellings are one member.
 */
export function canonicalIp(s: string): CanonicalIp | undefined {
  if (s.length > 64) return undefined;
  if (IPV4.test(s)) return isIPv4(s) ? { family: 4, address: s } : undefined;
  if (s.includes('%') || !isIPv6(s)) return undefined;
  // WHATWG URL parsing serialises IPv6 hosts in RFC 5952 form (IPv4-mapped tails become hex, which is still canonical).
  const host = new URL(`http://[${s}]/`).hostname;
  return { family: 6, address: host.slice(1, -1) };
}

/** True for a host only this machine can reach: `localhost`, 127.0.0.0/8, `::1` (and 127/8 mapped into IPv6). */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const ip = canonicalIp(host);
  if (!ip) return false;
  if (ip.family === 4) return ip.address.startsWith('127.');
  // ::ffff:127.0.0.1 is canonically ::ffff:7f00:1: the mapped 127/8 block is ::ffff:7f00:0/104.
  return ip.address === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(ip.address);
}
