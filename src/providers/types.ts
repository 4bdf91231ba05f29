import type { RecordChange, ZoneRecords } from '../plan/records.js';
import type { ElbTarget, Elbv2Target } from '../tree/types.js';

/** A load balancer or target group whose members are instance ids or (ELBv2) targets. */
export type MembershipTarget = ElbTarget | Elbv2Target;

/** `region/name`: a load balancer's or target group's key in a provider's own maps (ledger, recent writes, groups). */
export function membershipKey(target: MembershipTarget): string {
  return `${target.region}/${target.name}`;
}

/**
 * Reads and changes the members of load balancers (Classic ELB) or target groups (ELBv2). Members are canonical strings as
 * produced by the key parser. Implementations make exactly one AWS write call per register/deregister call: the caller
 * chunks (at most 100 members a call) and isolates bad members by splitting. Errors are thrown as {@link AwsCallError}.
 */
export interface MembershipProvider {
  /** The current members; members already leaving (ELBv2 `draining`) are not reported. */
  readMembers(target: MembershipTarget): Promise<string[]>;
  /** Registers members in one call. */
  register(target: MembershipTarget, members: readonly string[]): Promise<void>;
  /** Deregisters members in one call. */
  deregister(target: MembershipTarget, members: readonly string[]): Promise<void>;
  /**
   * Brings desired members to the form readMembers reports (ELBv2: the group's default port left out), once the target
   * has been read. Without it, members compare as written.
   */
  normalise?(target: MembershipTarget, members: readonly string[]): string[];
  /**
   * A full pass is about to read these load balancers of a region: the provider may read them all at once (one paged
   * listing instead of one call each). Each name's prefetched answer serves only its next read. Called again for a
   * region whose listing no read has used yet, it adds the names to that listing.
   */
  prefetch?(region: string, names: readonly string[]): void;
  /**
   * Forgets the writes made a moment ago that count over describes not showing them yet (AWS's reads lag its writes):
   * a full pass (resync, SIGHUP) believes AWS as it answers, to repair changes made by hand.
   */
  forgetRecentWrites?(): void;
}

/** Reads and changes the A/AAAA record sets of a hosted zone. Errors are thrown as {@link AwsCallError}. */
export interface Route53Provider {
  /**
   * Every set at the given names (lower case, no trailing dot), or in the whole zone when `names` is `'all'`, however
   * many share a name: the plain A and AAAA sets lbmanager owns, and the alias, routing-policy and CNAME sets in
   * their way. Other types and other names are never returned.
   */
  readRecordSets(zoneId: string, names: readonly string[] | 'all'): Promise<ZoneRecords>;
  /** Applies one change batch (all or nothing), in one call. */
  changeRecordSets(zoneId: string, changes: readonly RecordChange[]): Promise<void>;
  /**
   * The first pass is about to read these names of a zone: the provider may start reading now. The answer serves only
   * the zone's next read, and only while it is fresh.
   */
  prefetch?(zoneId: string, names: readonly string[]): void;
}

/** How the reconciler should treat a failed AWS call. */
export type AwsErrorCategory =
  /** Throttling, PriorRequestNotComplete, 429, 5xx, network errors: retry with backoff. */
  | 'retryable'
  /** The load balancer, target group or hosted zone does not exist: report, retry with backoff. */
  | 'not-found'
  /** The call was rejected because of one or more members: split the batch to isolate them. */
  | 'invalid-member'
  /** Anything else (access denied, validation errors): report, retry with backoff. */
  | 'other';

/** A failed AWS call, classified. */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    readonly category: AwsErrorCategory,
    /** The AWS error code (`Throttling`, `LoadBalancerNotFound`, `InvalidInstance`, …) or a network error code. */
    readonly code: string,
    message: string,
    /** Members named by the error message, when AWS names them (ELBv2 InvalidTarget, Route53 InvalidChangeBatch). */
    readonly offenders: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
