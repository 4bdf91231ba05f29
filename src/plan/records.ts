// Record sets as lbmanager plans them: the plan layer owns these types; providers read and write them.

/** The two address families lbmanager manages in Route53. */
export type RecordType = 'A' | 'AAAA';

/** An A or AAAA record set as Route53 holds it. */
export interface RecordSet {
  /** Lower case, no trailing dot, octal escapes (`\052`) decoded. */
  readonly name: string;
  readonly type: RecordType;
  readonly ttl: number;
  /** Exactly as Route53 returned them (needed for an exact DELETE). */
  readonly values: readonly string[];
}

/** Why a record set at a managed name is not lbmanager's and keeps it from writing there. */
export type ForeignKind = 'alias' | 'routing-policy' | 'cname';

/**
 * A record set at a managed name that lbmanager does not own and that stands in the way of its plain A/AAAA set: an
 * alias or a routing-policy set (weighted, latency, failover, geolocation, multivalue) of that type, or a CNAME, which
 * excludes every other type at its name. An UPSERT would replace the first kind and Route53 refuses a plain set next
 * to the others.
 */
export interface ForeignSet {
  /** Lower case, no trailing dot, octal escapes decoded. */
  readonly name: string;
  readonly type: string;
  readonly kind: ForeignKind;
  readonly setIdentifier?: string;
}

/** What lbmanager reads of a zone: its own plain A/AAAA sets, and the sets in their way at the same names. */
export interface ZoneRecords {
  readonly owned: RecordSet[];
  readonly foreign: ForeignSet[];
}

/** One change of a ChangeResourceRecordSets batch. */
export interface RecordChange {
  readonly action: 'UPSERT' | 'DELETE';
  readonly set: RecordSet;
}
