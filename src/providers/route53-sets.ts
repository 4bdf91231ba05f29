import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { decodeRoute53Name } from '../util/dns-name.js';
import { SET_IDENTIFIER_PREFIX, type ForeignSet, type RecordSet, type ZoneRecords } from '../plan/records.js';
import type { PolicyClass } from '../tree/types.js';

/** A routing-policy set's policy: one lbmanager publishes (exactly Weight, or exactly MultiValueAnswer), or another. */
function policyOf(s: ResourceRecordSet): PolicyClass | 'other' {
  const others =
    s.Region !== undefined ||
    s.Failover !== undefined ||
    s.GeoLocation !== undefined ||
    s.CidrRoutingConfig !== undefined ||
    s.GeoProximityLocation !== undefined;
  if (others) return 'other';
  if (s.Weight !== undefined && s.MultiValueAnswer !== true) return 'weighted';
  if (s.MultiValueAnswer === true && s.Weight === undefined) return 'multivalue';
  return 'other';
}

/**
 * What a set Route53 listed is to lbmanager: its own (a plain A or AAAA set: no alias target, no SetIdentifier; or a
 * weighted or multivalue set whose SetIdentifier carries lbmanager's prefix), another owner's that may be in its way
 * (an alias, a routing-policy A/AAAA set, a CNAME), or nothing to it (any other type).
 */
export function classifySet(s: ResourceRecordSet): { owned: RecordSet } | { foreign: ForeignSet } | undefined {
  if (!s.Name || !s.Type) return undefined;
  const name = decodeRoute53Name(s.Name);
  // A CNAME excludes every other type at its name (RFC 1034 3.6.2; Route53 refuses the mix).
  if (s.Type === 'CNAME') return { foreign: { name, type: s.Type, kind: 'cname' } };
  if (s.Type !== 'A' && s.Type !== 'AAAA') return undefined;
  const policy = s.SetIdentifier !== undefined ? policyOf(s) : undefined;
  const routing = {
    ...(s.SetIdentifier !== undefined ? { setIdentifier: s.SetIdentifier } : {}),
    ...(policy !== undefined ? { policy } : {}),
  };
  if (s.AliasTarget !== undefined) return { foreign: { name, type: s.Type, kind: 'alias', ...routing } };
  const values = (s.ResourceRecords ?? []).map((r) => r.Value).filter((v): v is string => typeof v === 'string');
  const ttl = s.TTL ?? 0;
  if (s.SetIdentifier === undefined) return { owned: { name, type: s.Type, ttl, values } };
  if (!s.SetIdentifier.startsWith(SET_IDENTIFIER_PREFIX) || policy === 'other') {
    return { foreign: { name, type: s.Type, kind: 'routing-policy', ...routing, ttl } };
  }
  return {
    owned: {
      name,
      type: s.Type,
      ttl,
      values,
      setIdentifier: s.SetIdentifier,
      ...(policy === 'weighted' ? { weight: s.Weight ?? 1 } : { multiValueAnswer: true as const }),
      ...(s.HealthCheckId !== undefined ? { healthCheckId: s.HealthCheckId } : {}),
    },
  };
}

/** Collects listed sets into what lbmanager reads of a zone. */
export class ZoneRecordsBuilder {
  private readonly owned: RecordSet[] = [];
  private readonly foreign: ForeignSet[] = [];

  /** Adds one listed set. */
  add(s: ResourceRecordSet): void {
    const c = classifySet(s);
    if (!c) return;
    if ('owned' in c) this.owned.push(c.owned);
    else this.foreign.push(c.foreign);
  }

  /** Adds what another read collected, of the names `keep` says yes to. */
  addAll(records: ZoneRecords, keep: (name: string) => boolean): void {
    for (const s of records.owned) if (keep(s.name)) this.owned.push(s);
    for (const s of records.foreign) if (keep(s.name)) this.foreign.push(s);
  }

  /** The records collected. */
  build(): ZoneRecords {
    return { owned: this.owned, foreign: this.foreign };
  }
}
