import type { Change } from './changes.js';
import type { ForeignKind, RecordChange, RecordType, ZoneRecords } from './records.js';
import { canonicalIp } from '../util/ip.js';
import type { Policy } from './membership-plan.js';

/** The desired members (canonical IPs of both families) of one managed name. */
export interface NameDesired {
  /** Lower case, no trailing dot. */
  readonly fqdn: string;
  readonly members: readonly string[];
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

// Route53 may hand values back in a form other than ours (upper-case IPv6, expanded zeros); compare canonical forms.
function canonicalSet(values: readonly string[]): Set<string> {
  return new Set(values.map((v) => canonicalIp(v)?.address ?? v));
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const v of a) if (!b.has(v)) return false;
  return true;
}

/** What a sync does to one managed name: its record set changes and conflicts, A before AAAA. */
export interface NamePlan {
  readonly fqdn: string;
  readonly changes: readonly Change[];
}

/**
 * Plans the A/AAAA changes of managed names: UPSERT a family's set when its values or TTL differ from the desired
 * members, DELETE it with its exact current values when the family has no members. Names not listed are never touched.
 * Under `upsert-only`, sets only grow: values are the union of current and desired, and nothing is deleted. A family
 * that holds an alias or routing-policy set of its type, or whose name holds a CNAME, is a conflict: an UPSERT would
 * replace the alias, and Route53 refuses a plain set beside the others, so nothing is planned for it.
 */
export function planRecordSets(
  names: readonly NameDesired[],
  actual: ZoneRecords,
  ttl: number,
  policy: Policy,
): NamePlan[] {
  const current = new Map(actual.owned.map((s) => [`${s.name}/${s.type}`, s] as const));
  const blocked = new Map<string, ForeignKind>();
  for (const f of actual.foreign) {
    if (f.kind === 'cname') for (const { type } of FAMILIES) blocked.set(`${f.name}/${type}`, 'cname');
    else if (!blocked.has(`${f.name}/${f.type}`)) blocked.set(`${f.name}/${f.type}`, f.kind);
  }
  const plans: NamePlan[] = [];
  for (const n of [...names].sort((a, b) => (a.fqdn < b.fqdn ? -1 : a.fqdn > b.fqdn ? 1 : 0))) {
    const changes: Change[] = [];
    for (const { type, family } of FAMILIES) {
      const want = new Set(n.members.filter((m) => canonicalIp(m)?.family === family));
      const have = current.get(`${n.fqdn}/${type}`);
      const inTheWay = blocked.get(`${n.fqdn}/${type}`);
      if (inTheWay !== undefined) {
        if (want.size > 0) changes.push({ kind: 'conflict', type, with: inTheWay });
        continue;
      }
      const haveSet = have ? canonicalSet(have.values) : new Set<string>();
      if (want.size === 0) {
        if (have && policy === 'sync') changes.push({ kind: 'delete', set: have, removes: [...haveSet].sort() });
        continue;
      }
      const adds = [...want].filter((m) => !haveSet.has(m)).sort();
      if (!have) {
        changes.push({ kind: 'upsert', set: { name: n.fqdn, type, ttl, values: [...want].sort() }, adds, removes: [] });
        continue;
      }
      if (policy === 'upsert-only') {
        if (adds.length > 0) {
          const union = [...new Set([...haveSet, ...want])].sort();
          changes.push({
            kind: 'upsert',
            set: { name: n.fqdn, type, ttl: have.ttl, values: union },
            adds,
            removes: [],
          });
        }
        continue;
      }
      if (!sameSet(haveSet, want) || have.ttl !== ttl) {
        const removes = [...haveSet].filter((m) => !want.has(m)).sort();
        changes.push({ kind: 'upsert', set: { name: n.fqdn, type, ttl, values: [...want].sort() }, adds, removes });
      }
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
 * Splits changes into as few ChangeResourceRecordSets batches as the limits allow, keeping their order. A single change
 * over the limits goes alone in its batch: Route53 will reject it and the reconciler reports that name.
 */
export function batchChanges(changes: readonly RecordChange[], limits: BatchLimits = ROUTE53_LIMITS): RecordChange[][] {
  const batches: RecordChange[][] = [];
  let batch: RecordChange[] = [];
  let records = 0;
  let chars = 0;
  for (const c of changes) {
    const cost = changeCost(c);
    if (batch.length > 0 && (records + cost.records > limits.maxRecords || chars + cost.chars > limits.maxChars)) {
      batches.push(batch);
      batch = [];
      records = 0;
      chars = 0;
    }
    batch.push(c);
    records += cost.records;
    chars += cost.chars;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
