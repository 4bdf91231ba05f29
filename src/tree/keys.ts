import { normaliseFqdn } from '../util/dns-name.js';
import { canonicalIp } from '../util/ip.js';
import { isAwsRegion } from '../util/regions.js';
import { targetId, type MemberClass, type MemberKey, type ParsedKey, type Target } from './types.js';

const LB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const ZONE_ID = /^[A-Z0-9]{1,32}$/;
const PORT = /^[1-9]\d{0,4}$/;
const CLASSES: readonly MemberClass[] = ['single', 'multiple', 'weighted', 'multivalue'];
/** Route53's weights: a whole number 0-255 (ResourceRecordSet.Weight, API reference). */
const WEIGHT = /^\d{1,3}$/;
const MAX_WEIGHT = 255;

/** Quotes a segment for a reason, cutting it short: keys can be anything, including 10 KB of garbage. */
function q(s: string): string {
  const cut = s.length > 64 ? `${s.slice(0, 64)}…` : s;
  return JSON.stringify(cut);
}

/** Normalises a user's prefix: a leading slash, no trailing slash (`lbManager/` -> `/lbManager`). */
export function normalisePrefix(prefix: string): string {
  let p = prefix.startsWith('/') ? prefix : `/${prefix}`;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

type Member = { ok: true; member: string } | { ok: false; reason: string };

function parsePort(port: string): number | undefined {
  if (!PORT.test(port)) return undefined;
  const n = Number(port);
  return n <= 65535 ? n : undefined;
}

/** An ELBv2 target: an instance id or IP, optionally with a port; IPv6 with a port goes in brackets. */
function parseElbv2Target(s: string): Member {
  const bad = (why: string): Member => ({ ok: false, reason: `bad target ${q(s)} (${why})` });
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || s[end + 1] !== ':') return bad('expected [IPv6]:port');
    const ip = canonicalIp(s.slice(1, end));
    if (!ip || ip.family !== 6) return bad('not an IPv6 address in the brackets');
    const port = parsePort(s.slice(end + 2));
    if (port === undefined) return bad('port must be 1-65535');
    return { ok: true, member: `[${ip.address}]:${port}` };
  }
  const ip = canonicalIp(s);
  if (ip) return { ok: true, member: ip.address };
  const colon = s.lastIndexOf(':');
  if (colon > 0 && s.indexOf(':') === colon) {
    const host = s.slice(0, colon);
    const port = parsePort(s.slice(colon + 1));
    if (port === undefined) return bad('port must be 1-65535');
    if (INSTANCE_ID.test(host)) return { ok: true, member: `${host}:${port}` };
    const hostIp = canonicalIp(host);
    if (hostIp?.family === 4) return { ok: true, member: `${hostIp.address}:${port}` };
    return bad('expected an instance id or IPv4 address before the port');
  }
  if (INSTANCE_ID.test(s)) return { ok: true, member: s };
  return bad('expected i-…, i-…:port, an IP, IPv4:port or [IPv6]:port');
}

const DEPTH: Record<string, { n: number; shape: string }> = {
  elb: { n: 5, shape: 'elb/<region>/<lb-name>/<class>/<instance-id>' },
  elbv2: { n: 5, shape: 'elbv2/<region>/<target-group-name>/<class>/<target>' },
  route53: { n: 6, shape: 'route53/<region>/<hosted-zone-id>/<fqdn>/<class>/<ip>' },
};

/**
 * A `weighted` key's weight from its value: an empty value is 1 (as for every other class, an empty value is what
 * `etcdctl put KEY ""` writes); otherwise a whole number 0-255, the range Route53 takes
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html, Weight).
 */
function parseWeight(value: string): { ok: true; weight: number } | { ok: false; reason: string } {
  if (value === '') return { ok: true, weight: 1 };
  const n = WEIGHT.test(value) ? Number(value) : NaN;
  if (n <= MAX_WEIGHT) return { ok: true, weight: n };
  return { ok: false, reason: `bad weight ${q(value)} (a weighted key's value: a whole number 0-255, or empty for 1)` };
}

/**
 * Whether a key's value may matter: the class segment of a `weighted` key comes just before the member. Readers use
 * it to leave every other value unread.
 */
export function mayNeedValue(key: string): boolean {
  // Called for every key of a snapshot: compared in place, without a substring.
  const start = key.lastIndexOf('/') - '/weighted'.length;
  return start >= 0 && key.startsWith('/weighted', start);
}

/**
 * Parses one etcd key under `prefix` (normalised, e.g. `/lbManager`) into a member key, or a malformed key with a
 * reason naming the bad segment. `value` matters only to a `weighted` key, whose weight it is. Never throws, whatever
 * the key holds. A key of the same target as `previous` shares its target and id: the tree's keys come sorted, so a
 * snapshot of a million keys holds one target object and one id string per target, not per key.
 */
export function parseKey(key: string, prefix: string, value = '', previous?: MemberKey): ParsedKey {
  const bad = (reason: string): ParsedKey => ({ ok: false, value: { key, reason } });
  if (!key.startsWith(`${prefix}/`)) return bad(`key is not under ${prefix}/`);
  const rest = key.slice(prefix.length + 1);
  if (rest.length > 2048) return bad(`key is too long (${key.length} characters)`);
  const segs = rest.split('/');
  const kind = segs[0] ?? '';
  const depth = DEPTH[kind];
  if (!depth) return bad(`unknown kind ${q(kind)} (expected elb, elbv2 or route53)`);
  if (segs.length !== depth.n) {
    return bad(`${kind} key needs ${depth.n} segments after the prefix (${depth.shape}), got ${segs.length}`);
  }
  const empty = segs.findIndex((s) => s === '');
  if (empty >= 0) return bad(`empty segment ${empty + 1} (${depth.shape})`);
  const region = segs[1] as string;
  // Sorted keys share their region with the previous one, which passed this check already.
  if (region !== previous?.target.region && !isAwsRegion(region))
    return bad(`bad region ${q(region)} (expected an AWS region such as us-east-1)`);
  const cls = segs[depth.n - 2] as string;
  const memberClass = CLASSES.find((c) => c === cls);
  if (memberClass === undefined) {
    const expected = kind === 'route53' ? 'single, multiple, weighted or multivalue' : 'single or multiple';
    return bad(`bad class ${q(cls)} (expected ${expected})`);
  }
  if (kind !== 'route53' && memberClass !== 'single' && memberClass !== 'multiple') {
    return bad(`bad class ${q(cls)} (weighted and multivalue are routing policies of route53 keys only)`);
  }
  const raw = segs[depth.n - 1] as string;

  let target: Target;
  let member: string;
  if (kind === 'elb' || kind === 'elbv2') {
    const name = segs[2] as string;
    if (!LB_NAME.test(name)) {
      const what = kind === 'elb' ? 'load balancer name' : 'target group name';
      return bad(`bad ${what} ${q(name)} (1-32 letters, digits and hyphens, not starting or ending with a hyphen)`);
    }
    if (kind === 'elb') {
      if (!INSTANCE_ID.test(raw)) {
        return bad(`bad instance id ${q(raw)} (expected i- followed by 8 or 17 lower-case hex digits)`);
      }
      member = raw;
    } else {
      const t = parseElbv2Target(raw);
      if (!t.ok) return bad(t.reason);
      member = t.member;
    }
    const p = previous?.target;
    target = p && p.kind === kind && p.name === name && p.region === region ? p : { kind, region, name };
  } else {
    const zoneId = segs[2] as string;
    if (!ZONE_ID.test(zoneId)) {
      return bad(`bad hosted zone id ${q(zoneId)} (expected upper-case letters and digits, without /hostedzone/)`);
    }
    const fqdn = normaliseFqdn(segs[3] as string);
    if (fqdn === undefined) return bad(`bad DNS name ${q(segs[3] as string)}`);
    const ip = canonicalIp(raw);
    if (!ip) return bad(`bad IP address ${q(raw)} (expected IPv4 or IPv6)`);
    member = ip.address;
    const p = previous?.target;
    target =
      p && p.kind === 'route53' && p.fqdn === fqdn && p.zoneId === zoneId && p.region === region
        ? p
        : { kind: 'route53', region, zoneId, fqdn };
  }
  const id = previous && target === previous.target ? previous.targetId : targetId(target);
  if (memberClass === 'weighted') {
    const w = parseWeight(value);
    if (!w.ok) return bad(w.reason);
    return { ok: true, value: { key, target, targetId: id, memberClass, member, weight: w.weight } };
  }
  return { ok: true, value: { key, target, targetId: id, memberClass, member } };
}

/**
 * Parses a target id as operators write it (`elb/us-east-1/web`, `elbv2/us-east-1/web-tg`,
 * `route53/Z0123456789ABC/www.example.com`) into its canonical form, or says what is wrong with it.
 */
export function parseTargetId(id: string): { ok: true; id: string } | { ok: false; reason: string } {
  const segs = id.split('/');
  const kind = segs[0] ?? '';
  if (kind === 'elb' || kind === 'elbv2') {
    const [, region = '', name = ''] = segs;
    if (segs.length !== 3) return { ok: false, reason: `expected ${kind}/<region>/<name>` };
    if (!isAwsRegion(region)) return { ok: false, reason: `bad region ${q(region)}` };
    if (!LB_NAME.test(name)) return { ok: false, reason: `bad name ${q(name)}` };
    return { ok: true, id: targetId({ kind, region, name }) };
  }
  if (kind === 'route53') {
    const [, zoneId = '', name = ''] = segs;
    if (segs.length !== 3) return { ok: false, reason: 'expected route53/<hosted-zone-id>/<fqdn>' };
    if (!ZONE_ID.test(zoneId)) return { ok: false, reason: `bad hosted zone id ${q(zoneId)}` };
    const fqdn = normaliseFqdn(name);
    if (fqdn === undefined) return { ok: false, reason: `bad DNS name ${q(name)}` };
    return { ok: true, id: targetId({ kind, region: '', zoneId, fqdn }) };
  }
  return { ok: false, reason: `unknown kind ${q(kind)} (expected elb, elbv2 or route53)` };
}
