// What Route53 refuses in a change batch because of the sets already in the zone (InvalidChangeBatch), applied in
// order to a copy of the zone: a batch is all or nothing, and a change sees the changes before it in the same batch
// ("Route 53 validates the changes in the request and then either makes all or none of the changes",
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html). Wordings are Route53's,
// as quoted in public issue threads (kubernetes-sigs/external-dns #1411, #3141, #4058; terraform-provider-aws #1668).
// moto 5.2.1 (moto_server, checked by hand) accepts every change refused here; where it differs, the fake follows AWS.
import { isIPv4, isIPv6 } from 'node:net';
import { encodeRoute53Name } from '../util/dns-name.js';
import type { ParsedChange } from './route53-change-parse.js';
import { keyOf, routingPolicy, sameRecordSet, type FakeRecordSet } from './route53-record.js';
import type { FakeZone } from './state.js';

/**
 * Weighted sets of one name and type: "you can configure up to 100 alternative responses" (Managing over 100 weighted
 * records, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/TutorialManagingOver100WRR.html). Multivalue
 * answer sets have no such API limit in the documentation: their "up to eight" is how many healthy records a DNS
 * answer carries (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-multivalue.html), so the
 * fake stores any number of them.
 */
export const MAX_WEIGHTED_SETS = 100;

/** A zone's sets being changed, indexed by name so the rules look at one name's sets only. */
class WorkingZone {
  readonly sets: Map<string, FakeRecordSet>;
  private readonly byName = new Map<string, Map<string, FakeRecordSet>>();

  constructor(sets: ReadonlyMap<string, FakeRecordSet>) {
    this.sets = new Map(sets);
    for (const [k, s] of sets) this.at(s.name).set(k, s);
  }
  at(name: string): Map<string, FakeRecordSet> {
    let m = this.byName.get(name);
    if (!m) this.byName.set(name, (m = new Map<string, FakeRecordSet>()));
    return m;
  }
  put(s: FakeRecordSet): void {
    this.sets.set(keyOf(s), s);
    this.at(s.name).set(keyOf(s), s);
  }
  remove(s: FakeRecordSet): void {
    this.sets.delete(keyOf(s));
    this.at(s.name).delete(keyOf(s));
  }
}

const describeSet = (s: FakeRecordSet): string =>
  `[name='${encodeRoute53Name(s.name)}', type='${s.type}'${s.setIdentifier !== undefined ? `, set-identifier='${s.setIdentifier}'` : ''}]`;

/** Why a value is not valid rdata for its type, in Route53's words, or undefined. */
function invalidValue(s: FakeRecordSet): string | undefined {
  if (s.aliasTarget) return undefined;
  const bad = s.values.find((v) => (s.type === 'A' ? !isIPv4(v) : s.type === 'AAAA' ? !isIPv6(v) : v === ''));
  if (bad === undefined) return undefined;
  const problem = s.type === 'A' ? 'ARRDATAIllegalIPv4Address' : 'AAAARRDATAIllegalIPv6Address';
  return `Invalid Resource Record: FATAL problem: ${problem} (Value is not a valid ${s.type === 'A' ? 'IPv4' : 'IPv6'} address) encountered with '${bad}'`;
}

/** A CNAME owns its name: no other type beside it, and none at the zone apex (RFC 1034 section 3.6.2). */
function cnameConflict(zone: FakeZone, w: WorkingZone, s: FakeRecordSet): string | undefined {
  const name = encodeRoute53Name(s.name);
  const zoneName = encodeRoute53Name(zone.name);
  const here = [...w.at(s.name).values()];
  if (s.type === 'CNAME') {
    if (s.name === zone.name)
      return `RRSet of type CNAME with DNS name ${name} is not permitted at apex in zone ${zoneName}`;
    if (here.some((o) => o.type !== 'CNAME')) {
      return `RRSet of type CNAME with DNS name ${name} is not permitted as it conflicts with other records with the same DNS name in zone ${zoneName}`;
    }
  } else if (here.some((o) => o.type === 'CNAME')) {
    return `RRSet of type ${s.type} with DNS name ${name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone ${zoneName}`;
  }
  return undefined;
}

/**
 * Sets of one name and type are either one simple set (plain or alias) or sets of one routing policy, each with its
 * SetIdentifier: "You cannot create non-latency resource record sets that have the same values for the Name and Type
 * elements as latency resource record sets" (ResourceRecordSet.Region, API reference), and likewise for the other
 * policies. Route53 words the refusal of a routing set "as a non-weighted set exists" whatever its policy (seen for
 * failover and latency-to-weighted switches too, external-dns #4345).
 */
function policyConflict(w: WorkingZone, s: FakeRecordSet): string | undefined {
  const name = encodeRoute53Name(s.name);
  const others = [...w.at(s.name).values()].filter((o) => o.type === s.type && keyOf(o) !== keyOf(s));
  const policy = routingPolicy(s);
  if (policy === undefined) {
    if (others.length > 0) {
      return `RRSet with DNS name ${name}, type ${s.type} cannot be created as other RRSets exist with the same name and type.`;
    }
    return undefined;
  }
  const id = `RRSet with DNS name ${name}, type ${s.type}, SetIdentifier ${s.setIdentifier ?? ''}`;
  if (others.some((o) => routingPolicy(o) !== policy)) {
    return `${id} cannot be created as a non-weighted set exists with the same name and type.`;
  }
  if (policy === 'latency' && others.some((o) => o.region === s.region)) {
    return `${id}, and Region Name=${s.region ?? ''} cannot be created because a latency RRSet with the same name, type and region already exists.`;
  }
  // Route53's words for it, as it answered them in airbnb/zonify #16.
  if (policy === 'weighted' && others.length + 1 > MAX_WEIGHTED_SETS) {
    return `Exceeded limit on number of weighted RRSets for ${name}, type ${s.type} in this zone.`;
  }
  return undefined;
}

/** Why a CREATE or UPSERT cannot be applied to the working zone, or undefined. */
function refusal(zone: FakeZone, w: WorkingZone, c: ParsedChange): string | undefined {
  const s = c.set;
  const invalid = invalidValue(s);
  if (invalid !== undefined) return invalid;
  const cname = cnameConflict(zone, w, s);
  if (cname !== undefined) return cname;
  if (c.action === 'CREATE' && w.sets.has(keyOf(s))) {
    return `Tried to create resource record set ${describeSet(s)} but it already exists`;
  }
  // UPSERT replaces the set with the same name, type and SetIdentifier, whatever it was: a plain set replaces an
  // alias set ("If a resource record set does exist, Route 53 updates it with the values in the request", API
  // reference, Change.Action). moto 5 does the same.
  return policyConflict(w, s);
}

/**
 * Applies a batch to a copy of the zone's sets, in order. Returns the new sets, or every change's failure (the
 * messages InvalidChangeBatch lists) when any change fails.
 */
export function applyChanges(
  zone: FakeZone,
  changes: readonly ParsedChange[],
): { sets: Map<string, FakeRecordSet>; errors: string[] } {
  const w = new WorkingZone(zone.recordSets);
  const errors: string[] = [];
  for (const c of changes) {
    const s = c.set;
    if (!(s.name === zone.name || s.name.endsWith(`.${zone.name}`))) {
      errors.push(
        `RRSet with DNS name ${encodeRoute53Name(s.name)} is not permitted in zone ${encodeRoute53Name(zone.name)}`,
      );
      continue;
    }
    const current = w.sets.get(keyOf(s));
    if (c.action === 'DELETE') {
      if (!current) errors.push(`Tried to delete resource record set ${describeSet(s)} but it was not found`);
      else if (!sameRecordSet(current, s)) {
        errors.push(
          `Tried to delete resource record set ${describeSet(s)} but the values provided do not match the current values`,
        );
      } else w.remove(current);
      continue;
    }
    const why = refusal(zone, w, c);
    if (why !== undefined) errors.push(why);
    else w.put(s);
  }
  if (errors.length === 0) errors.push(...weightedTtlConflicts(w, changes));
  return { sets: w.sets, errors };
}

/**
 * The weighted sets of a name and type share one TTL ("You must specify the same value for TTL for all of the records
 * in this group of weighted records", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-weighted.html#rrsets-values-weighted-ttl;
 * the page's note that Route53 then gives every set the last TTL describes the console). The API refuses the change:
 * "RRSet with DNS name …, type A, SetIdentifier … cannot be created as weighted sets must contain the same TTL"
 * (quoted in aws/aws-sdk-go-v2#518; changing the TTL set by set fails, hashicorp/terraform#5312). Checked on the zone
 * the whole batch leaves, so a batch that rewrites every set of a group with a new TTL passes.
 */
function weightedTtlConflicts(w: WorkingZone, changes: readonly ParsedChange[]): string[] {
  const errors: string[] = [];
  for (const c of changes) {
    if (c.action === 'DELETE' || routingPolicy(c.set) !== 'weighted') continue;
    const group = [...w.at(c.set.name).values()].filter((o) => o.type === c.set.type && o.weight !== undefined);
    if (group.every((o) => o.ttl === c.set.ttl)) continue;
    errors.push(
      `RRSet with DNS name ${encodeRoute53Name(c.set.name)}, type ${c.set.type}, SetIdentifier ${c.set.setIdentifier ?? ''} cannot be created as weighted sets must contain the same TTL.`,
    );
  }
  return errors;
}
