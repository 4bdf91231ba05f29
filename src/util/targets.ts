import { canonicalIp } from './ip.js';

/** A member string (`i-…`, `i-…:8080`, `10.0.0.5:80`, `[2001:db8::5]:80`, `2001:db8::5`) as id and optional port. */
export function splitTarget(member: string): { id: string; port: number | undefined } {
  if (member.startsWith('[')) {
    const end = member.indexOf(']');
    return { id: member.slice(1, end), port: Number(member.slice(end + 2)) };
  }
  const colon = member.lastIndexOf(':');
  // One colon is host:port; more are an IPv6 address without a port.
  if (colon > 0 && member.indexOf(':') === colon) {
    return { id: member.slice(0, colon), port: Number(member.slice(colon + 1)) };
  }
  return { id: member, port: undefined };
}

/** The member string of a target: the port is left out when it is the group's default, as keys usually leave it out. */
export function joinTarget(id: string, port: number | undefined, defaultPort: number | undefined): string {
  const canonical = canonicalIp(id)?.address ?? id;
  if (port === undefined || port === defaultPort) return canonical;
  return canonical.includes(':') ? `[${canonical}]:${port}` : `${canonical}:${port}`;
}
