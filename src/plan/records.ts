// Record sets as lbmanager plans them: the plan layer owns these types; providers read and write them.
import type { MemberClass, PolicyClass } from '../tree/types.js';

/** The two address families lbmanager manages in Route53. */
export type RecordType = 'A' | 'AAAA';

/**
 * How a name's members are published: `plain`, one set per family holding every member (classes `single` and
 * `multiple`), or one routing-policy set per member (`weighted`, `multivalue`).
 */
export type Routing = 'plain' | PolicyClass;

/** The routing of a name whose newest key is of this class. */
export function routingOf(activeClass: MemberClass | undefined): Routing {
  return activeClass === 'weighted' || activeClass === 'multivalue' ? activeClass : 'plain';
}

/** An A or AAAA record set lbmanager owns, as Route53 holds it: a plain set, or one of its routing-policy sets. */
export interface RecordSet {
  /** Lower case, no trailing dot, octal escapes (`\052`) decoded. */
  readonly name: string;
  readonly type: RecordType;
  readonly ttl: number;
  /** Exactly as Route53 returned them (needed for an exact DELETE). */
  readonly values: readonly string[];
  /** lbmanager's routing-policy sets only: {@link setIdentifierOf} their member. */
  readonly setIdentifier?: string;
  /** Weighted sets: 0-255. */
  readonly weight?: number;
  /** Multivalue answer sets. */
  readonly multiValueAnswer?: true;
  /** A health check someone attached to one of lbmanager's routing-policy sets: kept when the set is rewritten. */
  readonly healthCheckId?: string;
}

/**
 * What marks a routing-policy set as lbmanager's: its SetIdentifier starts with this. Sets of other owners at the
 * same name keep their own identifiers and are never written.
 */
export const SET_IDENTIFIER_PREFIX = 'lbm:';

/**
 * The SetIdentifier of a member's routing-policy set: the prefix and the canonical address, at most 49 characters
 * (Route53 takes 1-128: https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html).
 */
export function setIdentifierOf(member: string): string {
  return `${SET_IDENTIFIER_PREFIX}${member}`;
}

/** The routing policy of an owned set. */
export function routingOfSet(s: RecordSet): Routing {
  return s.weight !== undefined ? 'weighted' : s.multiValueAnswer ? 'multivalue' : 'plain';
}

/** Why a record set at a managed name is not lbmanager's and keeps it from writing there. */
export type ForeignKind = 'alias' | 'routing-policy' | 'cname';

/**
 * A record set at a managed name that lbmanager does not own and that may stand in the way of its sets: an alias or
 * a routing-policy set (weighted, latency, failover, geolocation, multivalue) of that type, or a CNAME, which
 * excludes every other type at its name. An UPSERT would replace an alias of the plain set's name and type, and
 * Route53 refuses a plain set next to the others, or sets of two routing policies side by side.
 */
export interface ForeignSet {
  /** Lower case, no trailing dot, octal escapes decoded. */
  readonly name: string;
  readonly type: string;
  readonly kind: ForeignKind;
  readonly setIdentifier?: string;
  /** A set with a SetIdentifier: its routing policy, when it is one lbmanager publishes, or `other`. */
  readonly policy?: PolicyClass | 'other';
  /** A weighted set's TTL: Route53 wants one TTL for the weighted sets of a name and type. */
  readonly ttl?: number;
}

/** What lbmanager reads of a zone: its own A/AAAA sets, and the sets of others at the same names. */
export interface ZoneRecords {
  readonly owned: RecordSet[];
  readonly foreign: ForeignSet[];
}

/** One change of a ChangeResourceRecordSets batch: DELETE with the set's exact current fields, or UPSERT. */
export interface RecordChange {
  readonly action: 'UPSERT' | 'DELETE';
  readonly set: RecordSet;
}
