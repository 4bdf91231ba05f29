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
