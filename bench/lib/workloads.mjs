// The trees and fake AWS states of the benchmarks: generated, the same on every run.
import { instanceId } from './harness.mjs';

const P = '/lbManager';
const pad = (n, w) => String(n).padStart(w, '0');

/**
 * A tree of `lbs` Classic load balancers with `perLb` instances and `zones` hosted zones with `names` names of `ips`
 * IPv4 members each; `tag` keeps the names of different workloads apart.
 */
export function workload({ lbs, perLb, zones, names, ips, tag }) {
  const keys = [];
  const elb = {};
  const r53 = {};
  let n = 0;
  for (let l = 0; l < lbs; l++) {
    const lb = `${tag}-lb-${pad(l, 4)}`;
    const instances = [];
    for (let i = 0; i < perLb; i++) {
      const id = instanceId(++n);
      instances.push(id);
      keys.push(`${P}/elb/us-east-1/${lb}/multiple/${id}`);
    }
    elb[lb] = instances.sort();
  }
  for (let z = 0; z < zones; z++) {
    const zoneId = `Z${tag.toUpperCase()}${pad(z, 4)}`;
    const zoneName = `z${pad(z, 4)}.${tag}.bench`;
    const sets = [];
    for (let m = 0; m < names; m++) {
      const fqdn = `n${pad(m, 3)}.${zoneName}`;
      const values = [];
      for (let i = 0; i < ips; i++) {
        const ip = `10.${z % 250}.${m}.${i + 1}`;
        values.push(ip);
        keys.push(`${P}/route53/us-east-1/${zoneId}/${fqdn}/multiple/${ip}`);
      }
      sets.push({ name: fqdn, type: 'A', ttl: 60, values: values.sort() });
    }
    r53[zoneId] = { name: zoneName, recordSets: sets };
  }
  // Services of all kinds start at once: the blocks of keys of load balancers and zones are interleaved, each
  // target's keys together, so every kind of work starts early in a burst.
  const blocks = [];
  let block = [];
  let blockTarget = '';
  for (const k of keys) {
    const target = k.split('/').slice(0, -2).join('/');
    if (target !== blockTarget && block.length > 0) {
      blocks.push(block);
      block = [];
    }
    blockTarget = target;
    block.push(k);
  }
  if (block.length > 0) blocks.push(block);
  const elbBlocks = blocks.filter((b) => b[0].startsWith(`${P}/elb/`));
  const dnsBlocks = blocks.filter((b) => !b[0].startsWith(`${P}/elb/`));
  const ordered = [];
  let elbKeys = 0;
  let dnsKeys = 0;
  while (elbBlocks.length > 0 || dnsBlocks.length > 0) {
    const takeElb = dnsBlocks.length === 0 || (elbBlocks.length > 0 && elbKeys <= dnsKeys);
    const b = takeElb ? elbBlocks.shift() : dnsBlocks.shift();
    if (takeElb) elbKeys += b.length;
    else dnsKeys += b.length;
    ordered.push(...b);
  }
  return {
    keys: ordered,
    elbKeys: keys.filter((k) => k.startsWith(`${P}/elb/`)),
    /** The fake's state when AWS already matches the tree. */
    matching: fakeStateOf(elb, r53, true),
    /** The fake's state with every load balancer and zone present and empty. */
    empty: fakeStateOf(elb, r53, false),
    expected: { elb, r53 },
    lbs,
    zones,
  };
}

function fakeStateOf(elb, r53, withMembers) {
  return {
    elb: {
      'us-east-1': Object.fromEntries(
        Object.entries(elb).map(([lb, ids]) => [lb, { instances: withMembers ? ids : [] }]),
      ),
    },
    elbv2: {},
    route53: {
      zones: Object.fromEntries(
        Object.entries(r53).map(([id, z]) => [id, { name: z.name, recordSets: withMembers ? z.recordSets : [] }]),
      ),
    },
    terminated: {},
  };
}

/** True when the fake's state holds exactly the expected members (nothing missing, nothing extra). */
export function matches(state, expected) {
  for (const [lb, ids] of Object.entries(expected.elb)) {
    const have = [...(state.elb['us-east-1']?.[lb]?.instances ?? [])].sort();
    if (have.length !== ids.length || have.some((id, i) => id !== ids[i])) return false;
  }
  for (const [zoneId, z] of Object.entries(expected.r53)) {
    const sets = (state.route53.zones[zoneId]?.recordSets ?? []).filter((s) => s.type === 'A' || s.type === 'AAAA');
    if (sets.length !== z.recordSets.length) return false;
    const byName = new Map(sets.map((s) => [s.name.replace(/\.$/, ''), [...s.values].sort().join()]));
    for (const s of z.recordSets) if (byName.get(s.name) !== s.values.join()) return false;
  }
  return true;
}
