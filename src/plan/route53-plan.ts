import type { Change } from './changes.js';
import type { Policy } from './membership-plan.js';
import {
  routingOf,
  type ForeignSet,
  type RecordChange,
  type RecordSet,
  type RecordType,
  type Routing,
  type ZoneRecords,
} from './records.js';
import { planFamily } from './route53-family.js';
import type { MemberClass } from '../tree/types.js';
import { canonicalIp } from '../util/ip.js';

/** The desired members (canonical IPs of both families) of one managed name. */
export interface NameDesired {
  /** Lower case, no trailing dot. */
  readonly fqdn: string;
  readonly members: readonly string[];
  /** How the members are published. @default 'plain' */
  readonly routing?: Routing;
  /** `weighted`: each member's weight; a member without one weighs 1. */
  readonly weights?: Readonly<Record<string, number>>;
}

/** A name's desired state as the planner takes it, from the tree's: its members, their routing and weights. */
export function nameDesired(
  fqdn: string,
  d: { readonly activeClass: MemberClass | undefined; readonly weights?: Readonly<Record<string, number>> },
  members: readonly string[],
): NameDesired {
  const routing = routingOf(d.activeClass);
  return { fqdn, members, routing, ...(routing === 'weighted' && d.weights ? { weights: d.weights } : {}) };
}

/** Route53's per-request limits (ChangeResourceRecordSets). */
export interface BatchLimits {
  /** @default 1000 ResourceRecord elements, UPSERT counting double */
  readonly maxRecords: number;
  /** @default 32000 characters of record values, UPSERT counting double */
  readonly maxChars: number;
}

/** Route53's documented limits. */
export const ROUTE53_LIMITS: BatchLimits = { maxRecords: 1000, maxChars: 32000 };

const FAMILIES: ReadonlyArray<{ type: RecordType; family: 4 | 6 }> = [
  { type: 'A', family: 4 },
  { type: 'AAAA', family: 6 },
];

/** What a sync does to one managed name: its record set changes and conflicts, A before AAAA. */
export interface NamePlan {
  readonly fqdn: string;
  readonly changes: readonly Change[];
}

function group<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * Plans the A/AAAA changes of managed names, family by family ({@link planFamily}): a plain name gets one set per
 * family, UPSERTed when its values or TTL differ from the desired members and DELETEd with its exact current values
 * when the family has no members; a `weighted` or `multivalue` name gets one set per member with lbmanager's
 * SetIdentifier. Names not listed are never touched. Under `upsert-only`, members are only ever added. A family with
 * a set of another owner in the way (an alias, a CNAME, routing-policy sets Route53 would not take beside lbmanager's)
 * is a conflict: nothing is planned for it.
 */
export function planRecordSets(
  names: readonly NameDesired[],
  actual: ZoneRecords,
  ttl: number,
  policy: Policy,
): NamePlan[] {
  const owned = group<RecordSet>(actual.owned, (s) => `${s.name}/${s.type}`);
  const foreign = group<ForeignSet>(actual.foreign, (s) => s.name);
  const plans: NamePlan[] = [];
  for (const n of [...names].sort((a, b) => (a.fqdn < b.fqdn ? -1 : a.fqdn > b.fqdn ? 1 : 0))) {
    const changes: Change[] = [];
    const atName = foreign.get(n.fqdn) ?? [];
    for (const { type, family } of FAMILIES) {
      const want = new Map<string, number | undefined>();
      for (const m of n.members) if (canonicalIp(m)?.family === family) want.set(m, n.weights?.[m]);
      changes.push(
        ...planFamily({
          name: n.fqdn,
          type,
          routing: n.routing ?? 'plain',
          want,
          owned: owned.get(`${n.fqdn}/${type}`) ?? [],
          foreign: atName.filter((f) => f.kind === 'cname' || f.type === type),
          ttl,
          policy,
        }),
      );
    }
    plans.push({ fqdn: n.fqdn, changes });
  }
  return plans;
}

/** What one change costs against the limits: UPSERT counts double (Route53 treats it as a DELETE plus a CREATE). */
export function changeCost(change: RecordChange): { records: number; chars: number } {
  const factor = change.action === 'UPSERT' ? 2 : 1;
  let chars = 0;
  for (const v of change.set.values) chars += v.length;
  return { records: change.set.values.length * factor, chars: chars * factor };
}

/**
 * The changes of one name and family, in the order they came: a unit the batching keeps whole where it can, so a
 * switch between plain and routing-policy sets, or a new TTL for a weighted group, reaches Route53 in one request.
 */
export function recordUnits(changes: readonly RecordChange[]): RecordChange[][] {
  const units: RecordChange[][] = [];
  let key: string | undefined;
  for (const c of changes) {
    const k = `${c.set.name}/${c.set.type}`;
    const last = units[units.length - 1];
    if (last && k === key) last.push(c);
    else units.push([c]);
    key = k;
  }
  return units;
}

/**
 * A unit in the smallest parts Route53 may apply apart: its leading DELETEs with the first UPSERT (a switch's DELETEs
 * never go without a set answering in their place), then each change alone.
 */
export function splitUnit(unit: readonly RecordChange[]): RecordChange[][] {
  const first = unit.findIndex((c) => c.action !== 'DELETE');
  const head = first >= 0 ? first + 1 : 1;
  return [unit.slice(0, head), ...unit.slice(head).map((c) => [c])];
}

/**
 * Splits changes into as few ChangeResourceRecordSets batches as the limits allow, keeping their order and each name
 * and family's changes together ({@link recordUnits}). A unit too large for any batch is split, but never before its
 * first UPSERT: the DELETEs of a switch always go with a set that answers in their place. A single change over the
 * limits goes alone in its batch: Route53 will reject it and the reconciler reports that name.
 */
export function batchChanges(changes: readonly RecordChange[], limits: BatchLimits = ROUTE53_LIMITS): RecordChange[][] {
  const batches: RecordChange[][] = [];
  let batch: RecordChange[] = [];
  let records = 0;
  let chars = 0;
  const fits = (cost: { records: number; chars: number }): boolean =>
    records + cost.records <= limits.maxRecords && chars + cost.chars <= limits.maxChars;
  const close = (): void => {
    if (batch.length > 0) batches.push(batch);
    batch = [];
    records = 0;
    chars = 0;
  };
  const add = (cs: readonly RecordChange[], cost: { records: number; chars: number }): void => {
    batch.push(...cs);
    records += cost.records;
    chars += cost.chars;
  };
  for (const unit of recordUnits(changes)) {
    const whole = costOf(unit);
    if (!fits(whole)) close();
    if (fits(whole)) {
      add(unit, whole);
      continue;
    }
    // Too large for one batch: the DELETEs and the first UPSERT go together, the rest as room allows.
    const [head, ...rest] = splitUnit(unit);
    if (head) add(head, costOf(head));
    for (const [c] of rest) {
      if (!c) continue;
      const cost = changeCost(c);
      if (!fits(cost)) close();
      add([c], cost);
    }
  }
  close();
  return batches;
}

function costOf(changes: readonly RecordChange[]): { records: number; chars: number } {
  let records = 0;
  let chars = 0;
  for (const c of changes) {
    const cost = changeCost(c);
    records += cost.records;
    chars += cost.chars;
  }
  return { records, chars };
}

/**
 * lbmanager's sets after changes Route53 applied (in order: a DELETE removes a set, an UPSERT writes it): what the
 * reconciler reports as a name's members without reading the zone again.
 */
export function setsAfter(owned: readonly RecordSet[], applied: readonly RecordChange[]): RecordSet[] {
  const key = (s: RecordSet): string => `${s.name}/${s.type}/${s.setIdentifier ?? ''}`;
  const sets = new Map(owned.map((s) => [key(s), s] as const));
  for (const c of applied) {
    if (c.action === 'DELETE') sets.delete(key(c.set));
    else sets.set(key(c.set), c.set);
  }
  return [...sets.values()];
}
