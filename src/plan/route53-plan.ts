import type { RecordChange, RecordSet, RecordType } from '../providers/types.js';
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

/**
 * Plans the A/AAAA changes of managed names: UPSERT a family's set when its values or TTL differ from the desired
 * members, DELETE it with its exact current values when the family has no members. Names not listed are never touched.
 * Under `upsert-only`, sets only grow: values are the union of current and desired, and nothing is deleted.
 */
export function planRecordSets(
  names: readonly NameDesired[],
  actual: readonly RecordSet[],
  ttl: number,
  policy: Policy,
): RecordChange[] {
  const current = new Map<string, RecordSet>();
  for (const s of actual) current.set(`${s.name}/${s.type}`, s);
  const changes: RecordChange[] = [];
  for (const n of [...names].sort((a, b) => (a.fqdn < b.fqdn ? -1 : a.fqdn > b.fqdn ? 1 : 0))) {
    for (const { type, family } of FAMILIES) {
      const want = new Set(n.members.filter((m) => canonicalIp(m)?.family === family));
      const have = current.get(`${n.fqdn}/${type}`);
      if (want.size === 0) {
        if (have && policy === 'sync') changes.push({ action: 'DELETE', set: have });
        continue;
      }
      if (!have) {
        changes.push({ action: 'UPSERT', set: { name: n.fqdn, type, ttl, values: [...want].sort() } });
        continue;
      }
      const haveSet = canonicalSet(have.values);
      if (policy === 'upsert-only') {
        const union = new Set([...haveSet, ...want]);
        if (union.size !== haveSet.size) {
          changes.push({ action: 'UPSERT', set: { name: n.fqdn, type, ttl: have.ttl, values: [...union].sort() } });
        }
        continue;
      }
      if (!sameSet(haveSet, want) || have.ttl !== ttl) {
        changes.push({ action: 'UPSERT', set: { name: n.fqdn, type, ttl, values: [...want].sort() } });
      }
    }
  }
  return changes;
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
