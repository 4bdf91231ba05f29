import { BlockList, isIP } from 'node:net';

/** The CIDR blocks of a VPC the fake was not told of (DESIGN.md section 7). */
export const DEFAULT_VPC_CIDRS: readonly string[] = ['10.0.0.0/16'];

/** `a.b.c.d/n` or `x:y::/n`; throws a clear Error when it is not one. */
export function parseCidr(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  const family = m ? isIP(m[1] ?? '') : 0;
  const prefix = Number(m?.[2]);
  if (!m || family === 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new Error(`"${cidr}" is not a CIDR block (like 10.0.0.0/16 or 2001:db8::/56)`);
  }
  return { address: m[1] ?? '', prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** A set of CIDR blocks that answers whether an address is in one of them. */
export class CidrSet {
  private readonly list = new BlockList();
  readonly blocks: readonly string[];

  constructor(blocks: readonly string[]) {
    this.blocks = [...blocks];
    for (const b of blocks) {
      const { address, prefix, family } = parseCidr(b);
      this.list.addSubnet(address, prefix, family);
    }
  }

  /** Whether an IPv4 or IPv6 address is in one of the blocks. */
  has(ip: string): boolean {
    const family = isIP(ip);
    return family !== 0 && this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * Addresses outside the VPC that an ip target group still takes, given `AvailabilityZone=all`: "the RFC 1918 range
 * (10.0.0.0/8, 172.16.0.0/12, and 192.168.0.0/16), and the RFC 6598 range (100.64.0.0/10). You can't specify publicly
 * routable IP addresses." (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-type).
 * AWS documents no IPv6 counterpart; the fake treats unique local addresses (fc00::/7, RFC 4193) as the private range
 * of IPv6, and every other IPv6 address outside the VPC as publicly routable.
 */
export const OUTSIDE_VPC_RANGES = new CidrSet([
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  'fc00::/7',
]);
