// One family (A or AAAA) of one managed name: the sets lbmanager wants there against those it owns, as changes.
import type { Change } from './changes.js';
import type { Policy } from './membership-plan.js';
import {
  routingOfSet,
  setIdentifierOf,
  type ForeignKind,
  type ForeignSet,
  type RecordSet,
  type RecordType,
  type Routing,
} from './records.js';
import { canonicalIp } from '../util/ip.js';

/** What is known of one family of one name when it is planned. */
export interface FamilyState {
  readonly name: string;
  readonly type: RecordType;
  readonly routing: Routing;
  /** The members the tree wants in this family, each with its weight (weighted) or undefined. */
  readonly want: ReadonlyMap<string, number | undefined>;
  /** lbmanager's sets of the family: its plain set and its routing-policy sets. */
  readonly owned: readonly RecordSet[];
  /** Sets of others of the family's type at the name, and any CNAME there. */
  readonly foreign: readonly ForeignSet[];
  readonly ttl: number;
  readonly policy: Policy;
}

/**
 * Weighted sets of one name and type: "You can create a maximum of 100 weighted resource record sets that have the
 * same values for the Name and Type elements" (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html, Weight).
 */
export const MAX_WEIGHTED_SETS = 100;

// Route53 may hand values back in a form other than ours (upper-case IPv6, expanded zeros); compare canonical forms.
const canonical = (v: string): string => canonicalIp(v)?.address ?? v;
const sorted = (values: Iterable<string>): string[] => [...values].sort();

/**
 * What keeps lbmanager from writing the family, if anything: a CNAME at the name; an alias of the type (an UPSERT of
 * the plain set would replace it, and it is a simple set beside which Route53 takes no routing-policy set); a
 * routing-policy set of another owner where lbmanager's sets would be plain, or of another policy than theirs.
 * Route53 refuses those mixes ("cannot be created as a non-weighted set exists with the same name and type"); sets of
 * the same policy (weighted beside weighted) live side by side and are left alone.
 */
function inTheWay(routing: Routing, foreign: readonly ForeignSet[]): ForeignKind | undefined {
  if (foreign.some((f) => f.kind === 'cname')) return 'cname';
  if (foreign.some((f) => f.kind === 'alias')) return 'alias';
  if (foreign.some((f) => f.kind === 'routing-policy' && (routing === 'plain' || f.policy !== routing))) {
    return 'routing-policy';
  }
  return undefined;
}

/** The identity of a set within its family: a plain set, or a routing-policy set by policy and SetIdentifier. */
function identity(s: RecordSet): string {
  return `${routingOfSet(s)}/${s.setIdentifier ?? ''}`;
}

function sameSet(a: RecordSet, b: RecordSet): boolean {
  const va = new Set(a.values.map(canonical));
  return (
    a.ttl === b.ttl &&
    a.weight === b.weight &&
    va.size === b.values.length &&
    b.values.every((v) => va.has(canonical(v)))
  );
}

/**
 * The TTL of the family's sets. Route53 wants one TTL for the weighted sets of a name and type
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-weighted.html#rrsets-values-weighted-ttl;
 * the API refuses another, aws/aws-sdk-go-v2#518): beside another owner's weighted sets, lbmanager's take theirs, and
 * a new `--route53-ttl` rewrites all of its own in one request. Under `upsert-only` sets keep the TTL they have, as
 * they only ever grow.
 */
function familyTtl(f: FamilyState): number {
  if (f.routing === 'weighted') {
    const theirs = f.foreign.find((s) => s.policy === 'weighted' && s.ttl !== undefined)?.ttl;
    if (theirs !== undefined) return theirs;
  }
  if (f.policy === 'upsert-only') {
    const kept = f.owned.find((s) => routingOfSet(s) === f.routing);
    if (kept) return kept.ttl;
  }
  return f.ttl;
}

/** The sets lbmanager wants in the family: one plain set, or one routing-policy set per member. */
function wantedSets(f: FamilyState, members: ReadonlyMap<string, number | undefined>): RecordSet[] {
  const ttl = familyTtl(f);
  const base = { name: f.name, type: f.type, ttl };
  if (f.routing === 'plain') return members.size > 0 ? [{ ...base, values: sorted(members.keys()) }] : [];
  return sorted(members.keys()).map((m) => ({
    ...base,
    values: [m],
    setIdentifier: setIdentifierOf(m),
    ...(f.routing === 'weighted' ? { weight: members.get(m) ?? 1 } : { multiValueAnswer: true as const }),
  }));
}

/**
 * Plans one family: DELETE every owned set the family no longer wants (with its exact current fields), then UPSERT
 * every wanted set that is missing or differs. A switch between plain and a routing policy (or between the two
 * policies) is one such list, DELETEs first, which the batching keeps in one request: Route53 applies it all or
 * nothing, so the name is never without an answer and never holds plain and policy sets side by side. Each change
 * carries the members it adds and removes relative to the family as a whole, so a member moving from the plain set
 * to its own set is neither. Under `upsert-only` (or while the removal guard holds) the wanted members are the union
 * of the tree's and AWS's, so sets change shape but no member leaves. A family with no members has its owned sets
 * deleted; one with a set of another owner in the way is a conflict and gets nothing.
 */
export function planFamily(f: FamilyState): Change[] {
  const have = new Set(f.owned.flatMap((s) => s.values.map(canonical)));
  if (f.want.size === 0) {
    if (f.policy === 'upsert-only') return [];
    return f.owned.map((set): Change => ({ kind: 'delete', set, removes: sorted(new Set(set.values.map(canonical))) }));
  }
  const blocked = inTheWay(f.routing, f.foreign);
  if (blocked !== undefined) return [{ kind: 'conflict', type: f.type, with: blocked }];
  const members = new Map(f.want);
  if (f.policy === 'upsert-only') {
    for (const s of f.owned) {
      for (const v of s.values) if (!members.has(canonical(v))) members.set(canonical(v), s.weight);
    }
  }
  const current = new Map(f.owned.map((s) => [identity(s), s] as const));
  const { wanted, over } = withinLimit(f, wantedSets(f, members), current);
  const wantedIds = new Set(wanted.map(identity));
  const gone = (values: readonly string[]): string[] =>
    sorted(new Set(values.map(canonical).filter((v) => !members.has(v))));
  const changes: Change[] = [];
  for (const s of f.owned) {
    if (!wantedIds.has(identity(s))) changes.push({ kind: 'delete', set: s, removes: gone(s.values) });
  }
  for (const w of wanted) {
    const before = current.get(identity(w));
    if (before && sameSet(before, w)) continue;
    // An UPSERT replaces the whole set: a health check attached to it by hand stays attached.
    const s = before?.healthCheckId !== undefined ? { ...w, healthCheckId: before.healthCheckId } : w;
    changes.push({
      kind: 'upsert',
      set: s,
      adds: sorted(s.values.filter((v) => !have.has(v))),
      removes: before ? gone(before.values) : [],
    });
  }
  if (over.length > 0) changes.push({ kind: 'over-limit', type: f.type, members: over, limit: MAX_WEIGHTED_SETS });
  return changes;
}

/**
 * The weighted sets that fit Route53's limit beside another owner's: sets that exist stay, then new members in order;
 * the members left over get no set (and are reported), rather than a request Route53 would refuse.
 */
function withinLimit(
  f: FamilyState,
  wanted: readonly RecordSet[],
  current: ReadonlyMap<string, RecordSet>,
): { wanted: RecordSet[]; over: string[] } {
  if (f.routing !== 'weighted') return { wanted: [...wanted], over: [] };
  const room = Math.max(0, MAX_WEIGHTED_SETS - f.foreign.filter((s) => s.policy === 'weighted').length);
  if (wanted.length <= room) return { wanted: [...wanted], over: [] };
  const kept = wanted.filter((s) => current.has(identity(s)));
  const added = wanted.filter((s) => !current.has(identity(s)));
  const fit = [...kept, ...added].slice(0, room);
  const fits = new Set(fit);
  return {
    wanted: wanted.filter((s) => fits.has(s)),
    over: wanted.filter((s) => !fits.has(s)).flatMap((s) => s.values),
  };
}
