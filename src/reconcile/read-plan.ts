import type { Change } from '../plan/changes.js';
import { planMembership, type Policy } from '../plan/membership-plan.js';
import type { ZoneRecords } from '../plan/records.js';
import { planRecordSets, type NameDesired, type NamePlan } from '../plan/route53-plan.js';
import type { MembershipProvider, MembershipTarget, Route53Provider } from '../providers/types.js';
import { canonicalIp } from '../util/ip.js';

// The one place where desired state meets what AWS has: the daemon applies these plans and `lbmanager plan` prints
// them, so what plan shows is, by construction, what the daemon would do.

/** What a sync of one load balancer or target group does. */
export interface GroupPlan {
  /** What AWS has now. */
  readonly actual: string[];
  /** The tree's members in the form AWS reports them (ELBv2: the group's own port left out). */
  readonly desired: string[];
  /** Additions first, then removals. */
  readonly changes: Change[];
  /** Extra members left because the policy forbids removals. */
  readonly keptByPolicy: string[];
}

/** Reads a load balancer or target group and plans it against the members the tree wants. */
export async function readGroupPlan(
  provider: MembershipProvider,
  t: MembershipTarget,
  members: readonly string[],
  policy: Policy,
): Promise<GroupPlan> {
  const actual = await provider.readMembers(t);
  const desired = provider.normalise ? provider.normalise(t, members) : [...members];
  const plan = planMembership(desired, actual, policy);
  return {
    actual: [...actual].sort(),
    desired,
    changes: [
      ...plan.register.map((member): Change => ({ kind: 'add', member })),
      ...plan.deregister.map((member): Change => ({ kind: 'remove', member })),
    ],
    keptByPolicy: plan.keptByPolicy,
  };
}

/** What a sync of a hosted zone's managed names does, from one read of the zone. */
export interface ZonePlan {
  readonly records: ZoneRecords;
  readonly names: NamePlan[];
  /** The members a name's own sets hold now (both families, canonical). */
  seen(fqdn: string): string[];
  /** Plans names again from the same read, under another policy (removals the guard holds). */
  replan(names: readonly NameDesired[], policy: Policy): NamePlan[];
}

/** Reads the managed names of a hosted zone and plans them. */
export async function readZonePlan(
  provider: Route53Provider,
  zoneId: string,
  names: readonly NameDesired[],
  ttl: number,
  policy: Policy,
): Promise<ZonePlan> {
  const records = await provider.readRecordSets(
    zoneId,
    names.map((n) => n.fqdn),
  );
  const byName = new Map<string, Set<string>>();
  for (const s of records.owned) {
    let v = byName.get(s.name);
    if (!v) byName.set(s.name, (v = new Set()));
    // Route53 may spell values otherwise than lbmanager does (upper-case IPv6, expanded zeros).
    for (const value of s.values) v.add(canonicalIp(value)?.address ?? value);
  }
  return {
    records,
    names: planRecordSets(names, records, ttl, policy),
    seen: (fqdn) => [...(byName.get(fqdn) ?? [])].sort(),
    replan: (again, p) => planRecordSets(again, records, ttl, p),
  };
}
