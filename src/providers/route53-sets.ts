import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { decodeRoute53Name } from '../util/dns-name.js';
import type { ForeignSet, RecordSet, ZoneRecords } from '../plan/records.js';

/**
 * What a set Route53 listed is to lbmanager: its own (a plain A or AAAA set: no alias target, no SetIdentifier), in
 * its way (an alias or routing-policy A/AAAA set, a CNAME), or nothing to it (any other type).
 */
export function classifySet(s: ResourceRecordSet): { owned: RecordSet } | { foreign: ForeignSet } | undefined {
  if (!s.Name || !s.Type) return undefined;
  const name = decodeRoute53Name(s.Name);
  // A CNAME excludes every other type at its name (RFC 1034 3.6.2; Route53 refuses the mix).
  if (s.Type === 'CNAME') return { foreign: { name, type: s.Type, kind: 'cname' } };
  if (s.Type !== 'A' && s.Type !== 'AAAA') return undefined;
  if (s.AliasTarget !== undefined) return { foreign: { name, type: s.Type, kind: 'alias' } };
  if (s.SetIdentifier !== undefined) {
    return { foreign: { name, type: s.Type, kind: 'routing-policy', setIdentifier: s.SetIdentifier } };
  }
  return {
    owned: {
      name,
      type: s.Type,
      ttl: s.TTL ?? 0,
      values: (s.ResourceRecords ?? []).map((r) => r.Value).filter((v): v is string => typeof v === 'string'),
    },
  };
}

/** Collects listed sets into what lbmanager reads of a zone, keeping only the names `keep` says yes to. */
export class ZoneRecordsBuilder {
  private readonly owned: RecordSet[] = [];
  private readonly foreign: ForeignSet[] = [];

  /** Adds one listed set. */
  add(s: ResourceRecordSet, keep: (name: string) => boolean = () => true): void {
    const c = classifySet(s);
    if (!c) return;
    if ('owned' in c) {
      if (keep(c.owned.name)) this.owned.push(c.owned);
    } else if (keep(c.foreign.name)) this.foreign.push(c.foreign);
  }

  /** Adds what another read collected. */
  addAll(records: ZoneRecords, keep: (name: string) => boolean = () => true): void {
    for (const s of records.owned) if (keep(s.name)) this.owned.push(s);
    for (const s of records.foreign) if (keep(s.name)) this.foreign.push(s);
  }

  /** The records collected. */
  build(): ZoneRecords {
    return { owned: this.owned, foreign: this.foreign };
  }
}
